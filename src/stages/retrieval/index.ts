/**
 * Retrieval stage: embeds a set of image/caption samples with a trained encoder and scores
 * image→text and text→image retrieval (Recall@1/5/10, mean rank).
 *
 * In: an Encoder (anything that turns a batch into unit image and text embeddings; the train
 * stage's loaded run is one) and the batches to embed. Out: an EvalSummary, plain JSON.
 * Imports only util/ and errors; it never imports another stage (the CLI brings them together).
 */
import { AlignError } from '../../errors.js';
import type { StageContext } from '../../util/context.js';
import { scoreRetrieval, type Embeddings, type RetrievalMetrics } from './recall.js';

export { scoreRetrieval, scoreSimilarity, rankOf } from './recall.js';
export type { DirectionMetrics, Embeddings, RetrievalMetrics } from './recall.js';

export interface Encoder<B extends { size: number }> {
  /** Width of the embeddings. */
  readonly embedDim: number;
  /** Unit-norm embeddings of a batch: batch.size rows each, row-major. */
  embed(batch: B): Promise<{ image: Float32Array; text: Float32Array }>;
}

export type EvalSummary = RetrievalMetrics;

export interface EvalOptions {
  /** Score only the first `limit` samples (scoring takes time n², memory O(block × n)). @default every sample */
  limit?: number;
}

/** Embeds the samples the batches hold, the first `limit` of them at most. */
export async function embedSamples<B extends { size: number }>(encoder: Encoder<B>, batches: AsyncIterable<B>, ctx?: StageContext, limit = Infinity): Promise<Embeddings> {
  const images: Float32Array[] = [];
  const texts: Float32Array[] = [];
  const dim = encoder.embedDim;
  let count = 0;
  for await (const batch of batches) {
    if (ctx?.signal.aborted || count >= limit) break;
    const { image, text } = await encoder.embed(batch);
    // A last batch that runs past the limit gives only the rows up to it.
    const rows = Math.min(batch.size, limit - count);
    images.push(image.subarray(0, rows * dim));
    texts.push(text.subarray(0, rows * dim));
    count += rows;
    ctx?.log.progress('eval', { samples: count });
  }
  return { count, dim, image: concat(images, count * dim), text: concat(texts, count * dim) };
}

/** Embeds the samples (the first `options.limit`) and scores retrieval among them. */
export async function runEval<B extends { size: number }>(encoder: Encoder<B>, batches: AsyncIterable<B>, ctx: StageContext, options: EvalOptions = {}): Promise<EvalSummary> {
  const embeddings = await embedSamples(encoder, batches, ctx, options.limit);
  if (embeddings.count === 0) {
    throw new AlignError('E_NO_DATA', 'no samples to evaluate: the shards hold no readable image/caption pairs', {
      hint: 'check the --shards pattern (the held-out shards the shard stage wrote)',
    });
  }
  const metrics = scoreRetrieval(embeddings);
  ctx.log.info(
    `eval: ${metrics.samples} samples; image→text R@1 ${pct(metrics.imageToText['R@1'])}, text→image R@1 ${pct(metrics.textToImage['R@1'])} (chance ${pct(1 / metrics.samples)})`,
  );
  return metrics;
}

function concat(parts: Float32Array[], total: number): Float32Array {
  const out = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
