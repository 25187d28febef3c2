/**
 * Train stage: a TensorFlow.js ALIGN dual encoder learns from WebDataset shards.
 *
 * In: training shards (a brace pattern, a .tar or a folder; sizes.json read when present),
 * optional held-out shards (--val), the `train` config. Out: a run directory with run.json
 * (the resolved config, written before step 1), vocab.txt, metrics.jsonl, checkpoints/ and
 * latest.json; and a TrainSummary. openRun() loads a finished run for `eval`.
 *
 * May import: util/, errors, config/. Never another stage: the CLI hands in the retrieval
 * scorer used for --val.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TrainConfig } from '../../config/train.js';
import { AlignError } from '../../errors.js';
import type { StageContext } from '../../util/context.js';
import { packageVersion } from '../../util/version.js';
import { selectBackend, tf, type BackendInfo } from './backend.js';
import { loadLatestCheckpoint, type TrainState } from './checkpoint.js';
import { openTrainBatches } from './data.js';
import { runLoop, type StopReason } from './loop.js';
import { DualEncoder } from './model.js';
import { FlatAdam } from './optimizer.js';
import { resolveModelSpec, type ModelSpec } from './presets.js';
import { Rng } from './rng.js';
import { MetricsWriter, readRunFile, vocabPath, writeRunFile } from './run-files.js';
import { listShards } from './shard-list.js';
import { emptyCounts } from './shard-reader.js';
import { learnVocabulary } from './vocab.js';
import { WordPieceTokenizer } from './tokenizer.js';
import { makeValEvaluator, type RetrievalScorer, type ValResult } from './val.js';

export { openRun, type LoadedRun } from './open-run.js';
export type { RetrievalScorer, EmbeddingSet } from './val.js';

export interface TrainOptions {
  /** Scores retrieval on --val (the CLI passes the retrieval stage's scoreRetrieval). */
  scoreRetrieval?: RetrievalScorer;
  /** Called after every step (tests use it to watch tensors). */
  onStep?: (step: number) => void;
}

export interface TrainSummary {
  runDir: string;
  backend: string;
  preset: string;
  parameters: number;
  vocabulary: number;
  startStep: number;
  steps: number;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  finalLoss: number | null;
  temperature: number;
  stoppedBy: StopReason;
  checkpoint: string | null;
  skipped: { incomplete: number; corrupt: number; brokenShards: number };
  val: ValResult | null;
}

export async function runTrain(config: TrainConfig, ctx: StageContext, options: TrainOptions = {}): Promise<TrainSummary> {
  const resolved = resolvePaths(config, ctx.dataDir);
  const runDir = resolved.out as string;
  const trainShards = listShards(resolved.shards as string, ctx.log).map((s) => s.path);
  const valShards = resolved.val ? listShards(resolved.val, ctx.log).map((s) => s.path) : [];
  const checkpoint = checkRunDir(runDir, resolved.resume) ? loadLatestCheckpoint(runDir) : null;
  const backend = await selectBackend(resolved.backend, ctx.log);
  const tokenizer = checkpoint ? WordPieceTokenizer.load(vocabPath(runDir)) : await learnVocabulary(trainShards, resolved, runDir, ctx);
  const spec: ModelSpec = checkpoint ? readRunFile(runDir).model : resolveModelSpec(resolved.model, tokenizer.size, resolved.tokenizer.maxTokens);
  const model = new DualEncoder({ spec, loss: resolved.loss, seed: resolved.seed, temperatureLrScale: resolved.optimizer.temperatureLrScale, padId: tokenizer.padId });
  const optimizer = new FlatAdam(resolved.optimizer, model.params.describe());
  const state: TrainState = checkpoint ? { ...checkpoint.state } : { step: 0, trainMs: 0, samples: 0 };
  if (checkpoint) {
    model.params.write(checkpoint.specs, checkpoint.weights);
    optimizer.restore(checkpoint.optimizer);
    ctx.log.info(`resuming ${runDir} at step ${state.step}`);
  }
  writeRunFile(runDir, { version: packageVersion(), config: resolved, model: spec, parameters: model.params.count(), backend: backend.name, createdAt: new Date().toISOString() });
  logModel(ctx, spec, model, backend);
  const counts = emptyCounts();
  const rng = new Rng(resolved.seed).fork(state.step + 1);
  const batches = openTrainBatches(trainShards, tokenizer, counts, { ...resolved, resolution: spec.image.resolution, maxTokens: spec.text.maxTokens, rng, signal: ctx.signal });
  const metrics = new MetricsWriter(runDir, checkpoint === null);
  const val = valShards.length > 0 ? makeValEvaluator({ model, paths: valShards, tokenizer, batchSize: resolved.batchSize, maxTokens: spec.text.maxTokens, limit: resolved.evalSamples, metrics, ctx, score: options.scoreRetrieval }) : undefined;
  const startStep = state.step;
  try {
    const loop = await runLoop({ config: resolved, runDir, model, optimizer, batches, state, metrics, ctx, evaluate: val?.evaluate, onStep: options.onStep });
    if (loop.stoppedBy === 'no-data' && state.step === startStep) {
      throw new AlignError('E_NO_DATA', `no readable samples in ${resolved.shards}`, { hint: 'the shards hold no image/caption pair that decodes' });
    }
    const lastVal = val?.last();
    if (val && lastVal?.step !== state.step && state.step > startStep) await val.evaluate(state.step);
    const seconds = (state.trainMs - (checkpoint?.state.trainMs ?? 0)) / 1000;
    return {
      runDir,
      backend: backend.name,
      preset: spec.preset,
      parameters: model.params.count(),
      vocabulary: tokenizer.size,
      startStep,
      steps: state.step,
      samples: state.samples,
      seconds,
      samplesPerSecond: seconds > 0 ? (state.samples - (checkpoint?.state.samples ?? 0)) / seconds : 0,
      finalLoss: loop.lastLoss,
      temperature: model.readTemperature(),
      stoppedBy: loop.stoppedBy,
      checkpoint: loop.checkpoint,
      skipped: { incomplete: counts.incomplete, corrupt: counts.corrupt, brokenShards: counts.brokenShards },
      val: val?.last() ?? null,
    };
  } finally {
    await batches.close();
    optimizer.dispose();
    model.dispose();
  }
}

/** Paths made absolute, defaults under the data directory filled in. */
function resolvePaths(config: TrainConfig, dataDir: string): TrainConfig {
  return {
    ...config,
    shards: config.shards ?? join(dataDir, 'shards'),
    val: config.val,
    out: resolve(config.out ?? join(dataDir, 'runs', 'default')),
  };
}

/** True when the run continues from a checkpoint; refuses to start over a run that has one. */
function checkRunDir(runDir: string, resume: boolean): boolean {
  const hasCheckpoint = existsSync(join(runDir, 'latest.json'));
  if (hasCheckpoint && !resume) {
    throw new AlignError('E_USAGE', `${runDir} already holds a training run`, {
      hint: 'pass --resume to continue it, or --out with a new folder to start another',
    });
  }
  return hasCheckpoint;
}

function logModel(ctx: StageContext, spec: ModelSpec, model: DualEncoder, backend: BackendInfo): void {
  const { image, text } = spec;
  ctx.log.info(
    `model ${spec.preset}: image ${image.resolution}px, ${image.blocks.length} MBConv blocks, head ${image.head}; ` +
      `text ${text.layers}×${text.hidden} (${text.heads} heads), vocab ${text.vocabSize}; ` +
      `${(model.params.count() / 1e6).toFixed(2)}M parameters on ${backend.name}; ${tf.memory().numTensors} tensors`,
  );
}
