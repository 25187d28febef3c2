import { parentPort } from 'node:worker_threads';
import { watPayloadToUnit } from './wat.js';
import type { FoundPair, SourceUnit } from './types.js';

/**
 * The WAT extraction thread (wat-batches.ts starts it): batches of metadata payloads in, what
 * each gives out, in order, through the very function the main thread would call. A payload that
 * throws (a record of an odd shape) answers its error, which the main thread throws in its place.
 */

export interface WatBatch {
  id: number;
  /** The payloads back to back; `ends[i]` is where payload i ends. */
  bytes: Uint8Array;
  ends: number[];
}

/** One payload's answer: its pairs (page fields once, not per pair) and rejects, or the error it threw. */
export type WatAnswer =
  | { pageUrl: string | null; pageOptOut: string | null; urls: string[]; alts: string[]; rejects: SourceUnit['rejects'] }
  | { error: string };

export function answer(bytes: Buffer): WatAnswer {
  let unit: SourceUnit;
  try {
    unit = watPayloadToUnit(bytes, 0);
  } catch (err) {
    return { error: (err as Error).message ?? String(err) };
  }
  const first: FoundPair | undefined = unit.pairs[0];
  return {
    pageUrl: first?.pageUrl ?? null,
    pageOptOut: first?.pageOptOut ?? null,
    urls: unit.pairs.map((p) => p.imageUrl),
    alts: unit.pairs.map((p) => p.altRaw),
    rejects: unit.rejects,
  };
}

parentPort?.on('message', (batch: WatBatch) => {
  const answers: WatAnswer[] = [];
  let start = 0;
  for (const end of batch.ends) {
    answers.push(answer(Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset + start, end - start)));
    start = end;
  }
  // The buffer goes back for the next batch.
  parentPort!.postMessage({ id: batch.id, answers, bytes: batch.bytes }, [batch.bytes.buffer as ArrayBuffer]);
});
parentPort?.postMessage('ready');
