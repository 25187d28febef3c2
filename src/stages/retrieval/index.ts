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

/** Embeds every sample the batches hold. */
export async function embedSamples<B extends { size: number }>(encoder: Encoder<B>, batches: AsyncIterable<B>, ctx?: StageContext): Promise<Embeddings> {
  const images: Float32Array[] = [];
  const texts: Float32Array[] = [];
  let count = 0;
  for await (const batch of batches) {
    if (ctx?.signal.aborted) break;
    const { image, text } = await encoder.embed(batch);
    images.push(image);
    texts.push(text);
    count += batch.size;
    ctx?.log.progress('eval', { samples: count });
  }
  return { count, dim: encoder.embedDim, image: concat(images, count * encoder.embedDim), text: concat(texts, count * encoder.embedDim) };
}

/** Embeds the samples and scores retrieval among them. */
export async function runEval<B extends { size: number }>(encoder: Encoder<B>, batches: AsyncIterable<B>, ctx: StageContext): Promise<EvalSummary> {
  const embeddings = await embedSamples(encoder, batches, ctx);
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
