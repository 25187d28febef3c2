/**
 * The training loop: steps until --steps or --minutes (both totals over resumed runs) or
 * Ctrl-C, writing a metrics line per step, a checkpoint every N steps and at the end, and
 * evaluating on the held-out batches every N steps.
 */
import type { TrainConfig } from '../../config/train.js';
import type { StageContext } from '../../util/context.js';
import type { BatchStream } from './batches.js';
import { saveCheckpoint, type TrainState } from './checkpoint.js';
import type { DualEncoder } from './model.js';
import { learningRateAt, type FlatAdam } from './optimizer.js';
import type { MetricsWriter } from './run-files.js';
import { trainStep } from './step.js';

export type StopReason = 'steps' | 'minutes' | 'interrupted' | 'no-data';

export interface LoopInput {
  config: TrainConfig;
  runDir: string;
  model: DualEncoder;
  optimizer: FlatAdam;
  batches: BatchStream;
  state: TrainState;
  metrics: MetricsWriter;
  ctx: StageContext;
  /** Runs the held-out evaluation (absent without --val). */
  evaluate?: (step: number) => Promise<unknown>;
  /** Called after each step (tests watch tensors and weights here). */
  onStep?: (step: number) => void | Promise<void>;
}

export interface LoopResult {
  stoppedBy: StopReason;
  lastLoss: number | null;
  checkpoint: string | null;
}

export async function runLoop(input: LoopInput): Promise<LoopResult> {
  const { config, state, ctx } = input;
  const budgetMs = config.minutes === null ? Infinity : config.minutes * 60_000;
  let lastLoss: number | null = null;
  let stoppedBy: StopReason = 'steps';
  let savedAt = state.step;
  let checkpoint: string | null = null;
  for (;;) {
    const stop = stopReason(config, state, budgetMs, ctx.signal);
    if (stop) {
      stoppedBy = stop;
      break;
    }
    const started = performance.now();
    const batch = await input.batches.next();
    if (!batch) {
      stoppedBy = 'no-data';
      break;
    }
    const dataMs = performance.now() - started;
    const progress = Math.max(state.step / config.steps, state.trainMs / budgetMs);
    const lr = learningRateAt(config.optimizer, state.step, progress);
    const result = trainStep(input.model, input.optimizer, batch, lr);
    const elapsed = performance.now() - started;
    state.step++;
    state.samples += batch.size;
    lastLoss = result.loss;
    const samplesPerSecond = batch.size / (elapsed / 1000);
    input.metrics.write({ step: state.step, loss: result.loss, temperature: result.temperature, lr, samplesPerSecond, gradNorm: result.gradNorm, dataMs });
    ctx.log.progress('train', { step: state.step, loss: result.loss, temperature: result.temperature, 'samples/s': samplesPerSecond });
    await input.onStep?.(state.step);
    if (state.step % config.checkpointEverySteps === 0) {
      checkpoint = await writeCheckpoint(input);
      savedAt = state.step;
    }
    if (input.evaluate && state.step % config.evalEverySteps === 0) await input.evaluate(state.step);
    // The time budget counts checkpoints and evaluations too: --minutes is wall-clock time.
    state.trainMs += performance.now() - started;
  }
  if (savedAt !== state.step && state.step > 0) checkpoint = await writeCheckpoint(input);
  return { stoppedBy, lastLoss, checkpoint };
}

function stopReason(config: TrainConfig, state: TrainState, budgetMs: number, signal: AbortSignal): StopReason | null {
  if (signal.aborted) return 'interrupted';
  if (state.step >= config.steps) return 'steps';
  if (state.trainMs >= budgetMs) return 'minutes';
  return null;
}

async function writeCheckpoint(input: LoopInput): Promise<string> {
  return saveCheckpoint({
    runDir: input.runDir,
    state: { ...input.state },
    specs: input.model.params.describe(),
    weights: await input.model.params.read(),
    optimizer: await input.optimizer.state(),
    keep: input.config.keepCheckpoints,
  });
}
