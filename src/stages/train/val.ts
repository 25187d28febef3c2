/**
 * Evaluation on --val during training: the held-out batches are decoded once and kept; each
 * evaluation reports their loss and, when the caller supplies a scorer (the CLI passes the
 * retrieval stage's), Recall@K.
 */
import type { StageContext } from '../../util/context.js';
import type { Batch } from './batches.js';
import { iterateBatches, openEvalBatches } from './data.js';
import type { DualEncoder } from './model.js';
import type { MetricsWriter } from './run-files.js';
import { emptyCounts, type ReadCounts } from '../../webdataset/reader.js';
import { embedBatch, evaluateLoss } from './step.js';
import type { WordPieceTokenizer } from './tokenizer.js';

/** Paired unit embeddings, row-major. */
export interface EmbeddingSet {
  count: number;
  dim: number;
  image: Float32Array;
  text: Float32Array;
}

/** Turns embeddings into retrieval metrics (e.g. the retrieval stage's scoreRetrieval). */
export type RetrievalScorer = (embeddings: EmbeddingSet) => object;

export interface ValOptions {
  model: DualEncoder;
  paths: readonly string[];
  tokenizer: WordPieceTokenizer;
  batchSize: number;
  maxTokens: number;
  limit: number;
  metrics: MetricsWriter;
  ctx: StageContext;
  score?: RetrievalScorer;
}

export interface ValResult {
  step: number;
  samples: number;
  loss: number;
  retrieval?: object;
}

export function makeValEvaluator(o: ValOptions): { evaluate: (step: number) => Promise<ValResult>; counts: ReadCounts; last: () => ValResult | null } {
  const counts = emptyCounts();
  let cached: Batch[] | undefined;
  let last: ValResult | null = null;
  const evaluate = async (step: number): Promise<ValResult> => {
    cached ??= await loadBatches(o, counts);
    const embeddings = await embedAll(o.model, cached);
    const full = cached.filter((b) => b.size > 1);
    const loss = full.reduce((sum, b) => sum + evaluateLoss(o.model, b) * b.size, 0) / Math.max(1, full.reduce((n, b) => n + b.size, 0));
    last = { step, samples: embeddings.count, loss, ...(o.score && embeddings.count > 0 ? { retrieval: o.score(embeddings) } : {}) };
    o.metrics.write({ step, val: { samples: last.samples, loss, ...(last.retrieval ? { retrieval: last.retrieval } : {}) } });
    o.ctx.log.info(`val at step ${step}: ${describe(last)}`);
    return last;
  };
  return { evaluate, counts, last: () => last };
}

async function loadBatches(o: ValOptions, counts: ReadCounts): Promise<Batch[]> {
  const stream = openEvalBatches(o.paths, o.tokenizer, counts, {
    batchSize: o.batchSize,
    resolution: o.model.spec.image.resolution,
    maxTokens: o.maxTokens,
    limit: o.limit,
  });
  const batches: Batch[] = [];
  for await (const batch of iterateBatches(stream)) batches.push(batch);
  return batches;
}

async function embedAll(model: DualEncoder, batches: Batch[]): Promise<EmbeddingSet> {
  const dim = model.spec.embedDim;
  const count = batches.reduce((n, b) => n + b.size, 0);
  const image = new Float32Array(count * dim);
  const text = new Float32Array(count * dim);
  let offset = 0;
  for (const batch of batches) {
    const e = await embedBatch(model, batch);
    image.set(e.image, offset);
    text.set(e.text, offset);
    offset += batch.size * dim;
  }
  return { count, dim, image, text };
}

function describe(r: ValResult): string {
  const parts = [`${r.samples} samples`, `loss ${r.loss.toFixed(4)}`];
  const retrieval = r.retrieval as { imageToText?: { 'R@1': number }; textToImage?: { 'R@1': number } } | undefined;
  if (retrieval?.imageToText && retrieval.textToImage) {
    parts.push(`image→text R@1 ${(100 * retrieval.imageToText['R@1']).toFixed(1)}%`, `text→image R@1 ${(100 * retrieval.textToImage['R@1']).toFixed(1)}%`);
  }
  return parts.join(', ');
}
