/**
 * Write-behind for results: each page or image result is a store call queued here, and the
 * queue is written in one transaction every few milliseconds (or when it is long), because a
 * commit per row costs more than the row. A kill -9 loses at most the last window: those rows
 * are still 'fetching' in the store and the next run fetches them again.
 */
export interface Transactor {
  /** Runs the calls in one transaction (better-sqlite3's db.transaction: no await inside). */
  inTransaction(work: () => void): void;
}

interface Op {
  run: () => unknown;
  then?: (result: never) => void;
}

export class ResultWriter {
  private queue: Op[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Transactor,
    private readonly hooks: { onError(err: unknown): void; afterFlush(): void },
    private readonly windowMs = 25,
    private readonly maxOps = 500,
  ) {}

  /** Queues a store call; `then` gets its result after the transaction committed. */
  add<T>(run: () => T, then?: (result: T) => void): void {
    this.queue.push({ run, then: then as Op['then'] });
    if (this.queue.length >= this.maxOps) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Writes everything queued now; results go to their callbacks after the commit. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ops = this.queue;
    if (ops.length === 0) return;
    this.queue = [];
    const results: unknown[] = [];
    try {
      this.store.inTransaction(() => {
        for (const op of ops) results.push(op.run());
      });
    } catch (err) {
      this.hooks.onError(err);
      return;
    }
    ops.forEach((op, i) => op.then?.(results[i] as never));
    this.hooks.afterFlush();
  }
}
