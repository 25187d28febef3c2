/**
 * Loads a finished (or checkpointed) run for evaluation: its model at the latest checkpoint,
 * its vocabulary, and eval batches read from any shards at the run's resolution.
 */
import { join } from 'node:path';
import type { BackendName } from '../../config/train.js';
import { AlignError } from '../../errors.js';
import type { StageContext } from '../../util/context.js';
import { selectBackend } from './backend.js';
import type { Batch } from './batches.js';
import { loadLatestCheckpoint } from './checkpoint.js';
import { iterateBatches, openEvalBatches } from './data.js';
import { DualEncoder } from './model.js';
import { readRunFile, vocabPath } from './run-files.js';
import { listShards } from '../../webdataset/shard-list.js';
import { emptyCounts, type ReadCounts } from '../../webdataset/reader.js';
import { embedBatch, embedImageBytes, embedTokens, tokenize } from './step.js';
import { WordPieceTokenizer } from './tokenizer.js';

export interface LoadedRun {
  runDir: string;
  step: number;
  embedDim: number;
  /** Unit image and text embeddings of a batch. */
  embed(batch: Batch): Promise<{ image: Float32Array; text: Float32Array }>;
  /** Eval batches (centre crops, in order) of the shards `spec` names (a folder: its val-* shards). */
  batches(spec: string, options?: { batchSize?: number; limit?: number }): AsyncGenerator<Batch>;
  /** Unit embeddings of encoded images (jpg, png, webp), centre-cropped as eval does; null rows did not decode. */
  embedImages(images: readonly Buffer[]): Promise<{ vectors: Float32Array; ok: boolean[] }>;
  /** Unit embeddings of texts, row-major. */
  embedTexts(texts: readonly string[]): Promise<Float32Array>;
  /** What reading skipped so far. */
  counts: ReadCounts;
  dispose(): void;
}

export async function openRun(runDir: string, ctx: StageContext, backend: BackendName = 'auto'): Promise<LoadedRun> {
  const run = readRunFile(runDir);
  const checkpoint = loadLatestCheckpoint(runDir);
  if (!checkpoint) {
    throw new AlignError('E_NO_DATA', `${runDir} has no checkpoint yet`, { hint: 'train it first (a checkpoint is written every checkpointEverySteps steps and at the end)' });
  }
  await selectBackend(backend, ctx.log);
  const tokenizer = WordPieceTokenizer.load(vocabPath(runDir));
  const model = new DualEncoder({ spec: run.model, loss: run.config.loss, seed: run.config.seed, padId: tokenizer.padId });
  model.params.write(checkpoint.specs, checkpoint.weights);
  ctx.log.info(`loaded ${join(runDir, 'checkpoints')} at step ${checkpoint.state.step}`);
  const counts = emptyCounts();
  return {
    runDir,
    step: checkpoint.state.step,
    embedDim: run.model.embedDim,
    embed: (batch) => embedBatch(model, batch),
    embedImages: (images) => embedImageBytes(model, images),
    embedTexts: async (texts) => embedTokens(model, tokenize(tokenizer, texts, run.model.text.maxTokens)),
    batches(spec, options = {}) {
      const paths = listShards(spec, ctx.log, 'val').map((s) => s.path);
      const stream = openEvalBatches(paths, tokenizer, counts, {
        batchSize: options.batchSize ?? run.config.batchSize,
        resolution: run.model.image.resolution,
        maxTokens: run.model.text.maxTokens,
        limit: options.limit,
      });
      return iterateBatches(stream);
    },
    counts,
    dispose: () => model.dispose(),
  };
}
