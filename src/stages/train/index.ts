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
import type { TrainConfig } from '../../config/train.js';
import { AlignError } from '../../errors.js';
import type { StageContext } from '../../util/context.js';
import { asStorageError } from '../../util/storage-error.js';
import { openTrainBatches } from './data.js';
import { runLoop, type LoopResult, type StopReason } from './loop.js';
import type { DualEncoder } from './model.js';
import { Rng } from '../../util/rng.js';
import { MetricsWriter } from './run-files.js';
import { setupRun, type RunSetup } from './setup.js';
import { emptyCounts, type ReadCounts } from '../../webdataset/reader.js';
import { makeValEvaluator, type RetrievalScorer, type ValResult } from './val.js';

export { openRun, type LoadedRun } from './open-run.js';
export type { RetrievalScorer, EmbeddingSet } from './val.js';

export interface TrainOptions {
  /** Scores retrieval on --val (the CLI passes the retrieval stage's scoreRetrieval). */
  scoreRetrieval?: RetrievalScorer;
  /** Called once before the first step and after every step (tests watch tensors and weights). */
  onStep?: (step: number, model: DualEncoder) => void | Promise<void>;
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
  /** Wall-clock seconds of this invocation's training (evaluations and checkpoints included). */
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
  const run = await setupRun(config, ctx);
  const { model, state } = run;
  const counts = emptyCounts();
  const rng = new Rng(run.config.seed).fork(state.step + 1);
  const batches = openTrainBatches(run.trainShards, run.tokenizer, counts, { ...run.config, resolution: run.spec.image.resolution, maxTokens: run.spec.text.maxTokens, rng, signal: ctx.signal });
  const metrics = new MetricsWriter(run.runDir, run.resumed === null);
  const val = run.valShards.length > 0 ? makeValEvaluator({ model, paths: run.valShards, tokenizer: run.tokenizer, batchSize: run.config.batchSize, maxTokens: run.spec.text.maxTokens, limit: run.config.evalSamples, metrics, ctx, score: options.scoreRetrieval }) : undefined;
  const startStep = state.step;
  try {
    await options.onStep?.(startStep, model);
    const onStep = options.onStep && ((step: number) => options.onStep?.(step, model));
    const loop = await runLoop({ config: run.config, runDir: run.runDir, model, optimizer: run.optimizer, batches, state, metrics, ctx, evaluate: val?.evaluate, onStep });
    if (loop.stoppedBy === 'no-data' && state.step === startStep) {
      throw new AlignError('E_NO_DATA', `no readable samples in ${run.config.shards}`, { hint: 'the shards hold no image/caption pair that decodes' });
    }
    if (val && val.last()?.step !== state.step && state.step > startStep) await val.evaluate(state.step);
    return summarise(run, startStep, loop, counts, val?.last() ?? null);
  } catch (err) {
    throw asStorageError(err, { path: run.runDir, next: 'run the same command with --resume' });
  } finally {
    await batches.close();
    run.optimizer.dispose();
    model.dispose();
  }
}

function summarise(run: RunSetup, startStep: number, loop: LoopResult, counts: ReadCounts, val: ValResult | null): TrainSummary {
  const { state, resumed } = run;
  const seconds = (state.trainMs - (resumed?.state.trainMs ?? 0)) / 1000;
  const samples = state.samples - (resumed?.state.samples ?? 0);
  return {
    runDir: run.runDir,
    backend: run.backend.name,
    preset: run.spec.preset,
    parameters: run.model.params.count(),
    vocabulary: run.tokenizer.size,
    startStep,
    steps: state.step,
    samples: state.samples,
    seconds,
    samplesPerSecond: seconds > 0 ? samples / seconds : 0,
    finalLoss: loop.lastLoss,
    temperature: run.model.readTemperature(),
    stoppedBy: loop.stoppedBy,
    checkpoint: loop.checkpoint,
    skipped: { incomplete: counts.incomplete, corrupt: counts.corrupt, brokenShards: counts.brokenShards },
    val,
  };
}
