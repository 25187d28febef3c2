/**
 * Shards → what the trainer consumes: caption lists for the vocabulary, shuffled and augmented
 * training batches, and in-order centre-cropped eval batches.
 */
import { BatchStream } from './batches.js';
import type { Rng } from '../../util/rng.js';
import { emptyCounts, streamSamples, type RawSample, type ReadCounts } from '../../webdataset/reader.js';
import type { WordPieceTokenizer } from './tokenizer.js';

export interface TrainDataOptions {
  batchSize: number;
  resolution: number;
  maxTokens: number;
  shuffleBuffer: number;
  cropMinScale: number;
  flip: boolean;
  rng: Rng;
  signal?: AbortSignal;
}

/** Endless shuffled batches with random crops and flips. */
export function openTrainBatches(paths: readonly string[], tokenizer: WordPieceTokenizer, counts: ReadCounts, o: TrainDataOptions): BatchStream {
  const samples = streamSamples(paths, counts, { repeat: true, shuffleBuffer: o.shuffleBuffer, rng: o.rng.fork(1), signal: o.signal });
  return new BatchStream(samples, {
    batchSize: o.batchSize,
    resolution: o.resolution,
    tokenizer,
    maxTokens: o.maxTokens,
    counts,
    augment: { rng: o.rng.fork(2), cropMinScale: o.cropMinScale, flip: o.flip },
  });
}

export interface EvalDataOptions {
  batchSize: number;
  resolution: number;
  maxTokens: number;
  /** Read at most this many samples. */
  limit?: number;
}

/** One pass in shard order, centre crops, the last batch kept even when short. */
export function openEvalBatches(paths: readonly string[], tokenizer: WordPieceTokenizer, counts: ReadCounts, o: EvalDataOptions): BatchStream {
  const samples = take(streamSamples(paths, counts), o.limit ?? Infinity);
  return new BatchStream(samples, {
    batchSize: o.batchSize,
    resolution: o.resolution,
    tokenizer,
    maxTokens: o.maxTokens,
    counts,
    keepPartial: true,
  });
}

/** The captions of the first `limit` samples, to learn the vocabulary from. */
export async function readCaptions(paths: readonly string[], limit: number): Promise<{ captions: string[]; counts: ReadCounts }> {
  const counts = emptyCounts();
  const captions: string[] = [];
  for await (const sample of take(streamSamples(paths, counts), limit)) captions.push(sample.caption);
  return { captions, counts };
}

async function* take(source: AsyncGenerator<RawSample>, limit: number): AsyncGenerator<RawSample> {
  if (limit <= 0) return;
  let n = 0;
  for await (const item of source) {
    yield item;
    if (++n >= limit) break;
  }
}

/** Iterates a batch stream to its end (eval). */
export async function* iterateBatches(stream: BatchStream): AsyncGenerator<NonNullable<Awaited<ReturnType<BatchStream['next']>>>> {
  try {
    for (;;) {
      const batch = await stream.next();
      if (!batch) return;
      yield batch;
    }
  } finally {
    await stream.close();
  }
}
