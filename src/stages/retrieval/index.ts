/**
 * Retrieval stage: what a trained dual encoder is for.
 *
 * - eval (here): embeds held-out samples and scores image→text and text→image Recall@1/5/10.
 * - index (build-index.ts): shards → a sqlite-vec index of image and caption embeddings.
 * - search (search.ts, contact-sheet.ts): text, image and composed image+text queries.
 * - classify (classify.ts): zero-shot classification with prompt-ensemble class weights.
 * - score (score.ts): the image/caption cosine of every stored pair, for the model-score filter.
 *
 * In: an Encoder / VectorEncoder (the train stage's opened run is both; the CLI hands it in), and
 * shards, image files or the store. Out: summaries (plain JSON), the index file, pair_scores rows.
 * Imports only store/, webdataset/, util/ and errors; never another stage.
 */
import { AlignError } from '../../errors.js';
import type { StageContext } from '../../util/context.js';
import { scoreRetrieval, type Embeddings, type RetrievalMetrics } from './recall.js';

export { scoreRetrieval, scoreSimilarity, rankOf } from './recall.js';
export { runIndex, type IndexOptions, type IndexSummary } from './build-index.js';
export { runSearch, type SearchOptions, type SearchResult } from './search.js';
export { runClassify, loadTemplates, type ClassifyOptions, type ClassifySummary } from './classify.js';
export { runScore, type ScoreSummary } from './score.js';
export type { VectorEncoder } from './vectors.js';
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
