import PQueue from 'p-queue';

/**
 * Maps `fn` over `source` with at most `concurrency` calls running and at most `window`
 * results held, yielding results in input order. Memory is bounded by the window whatever the
 * source's length, and the order of the output does not depend on which call finishes first.
 */
export async function* mapOrdered<I, O>(
  source: Iterable<I> | AsyncIterable<I>,
  fn: (item: I) => Promise<O>,
  options: { concurrency: number; window: number; signal?: AbortSignal },
): AsyncGenerator<O> {
  const queue = new PQueue({ concurrency: options.concurrency });
  const pending: Promise<O>[] = [];
  for await (const item of source) {
    if (options.signal?.aborted) break;
    const p = queue.add(() => fn(item)) as Promise<O>;
    p.catch(() => undefined); // awaited below in order; this only stops an early unhandled rejection
    pending.push(p);
    if (pending.length >= options.window) yield await pending.shift()!;
  }
  while (pending.length > 0) yield await pending.shift()!;
}
