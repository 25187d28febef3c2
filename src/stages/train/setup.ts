/**
 * Everything a run needs before step 1: paths resolved, shards listed (missing ones stop here,
 * before anything is written), the run directory checked, the backend loaded, the vocabulary
 * learned or reloaded, the model built (and restored on --resume), and run.json written.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TrainConfig } from '../../config/train.js';
import { AlignError } from '../../errors.js';
import type { StageContext } from '../../util/context.js';
import { packageVersion } from '../../util/version.js';
import { selectBackend, tf, type BackendInfo } from './backend.js';
import { loadLatestCheckpoint, type Checkpoint, type TrainState } from './checkpoint.js';
import { DualEncoder } from './model.js';
import { FlatAdam } from './optimizer.js';
import { resolveModelSpec, type ModelSpec } from './presets.js';
import { readRunFile, vocabPath, writeRunFile } from './run-files.js';
import { listShards } from '../../webdataset/shard-list.js';
import { WordPieceTokenizer } from './tokenizer.js';
import { learnVocabulary } from './vocab.js';

export interface RunSetup {
  /** The config with paths absolute and defaults under the data directory filled in. */
  config: TrainConfig;
  runDir: string;
  trainShards: string[];
  valShards: string[];
  /** The checkpoint resumed from, if any. */
  resumed: Checkpoint | null;
  backend: BackendInfo;
  tokenizer: WordPieceTokenizer;
  spec: ModelSpec;
  model: DualEncoder;
  optimizer: FlatAdam;
  state: TrainState;
}

export async function setupRun(input: TrainConfig, ctx: StageContext): Promise<RunSetup> {
  const config = resolvePaths(input, ctx.dataDir);
  const runDir = config.out as string;
  const trainShards = listShards(config.shards as string, ctx.log).map((s) => s.path);
  const valShards = config.val ? listShards(config.val, ctx.log, 'val').map((s) => s.path) : [];
  const resumed = checkRunDir(runDir, config.resume) ? loadLatestCheckpoint(runDir) : null;
  const backend = await selectBackend(config.backend, ctx.log);
  const tokenizer = resumed ? WordPieceTokenizer.load(vocabPath(runDir)) : await learnVocabulary(trainShards, config, runDir, ctx);
  // A resumed run keeps its architecture (the checkpoint fits no other); the rest may change.
  const spec = resumed ? readRunFile(runDir).model : resolveModelSpec(config.model, tokenizer.size, config.tokenizer.maxTokens);
  const model = new DualEncoder({ spec, loss: config.loss, seed: config.seed, temperatureLrScale: config.optimizer.temperatureLrScale, padId: tokenizer.padId });
  const optimizer = new FlatAdam(config.optimizer, model.params.describe());
  const state: TrainState = resumed ? { ...resumed.state } : { step: 0, trainMs: 0, samples: 0 };
  if (resumed) {
    model.params.write(resumed.specs, resumed.weights);
    optimizer.restore(resumed.optimizer);
    ctx.log.info(`resuming ${runDir} at step ${state.step}`);
  }
  writeRunFile(runDir, { version: packageVersion(), config, model: spec, parameters: model.params.count(), backend: backend.name, createdAt: new Date().toISOString() });
  logModel(ctx, spec, model, backend);
  return { config, runDir, trainShards, valShards, resumed, backend, tokenizer, spec, model, optimizer, state };
}

function resolvePaths(config: TrainConfig, dataDir: string): TrainConfig {
  return { ...config, shards: config.shards ?? join(dataDir, 'shards'), out: resolve(config.out ?? join(dataDir, 'runs', 'default')) };
}

/** True when the run continues from a checkpoint; refuses to start a new run over one that has one. */
function checkRunDir(runDir: string, resume: boolean): boolean {
  const hasCheckpoint = existsSync(join(runDir, 'latest.json'));
  if (hasCheckpoint && !resume) {
    throw new AlignError('E_USAGE', `${runDir} already holds a training run`, {
      hint: 'pass --resume to continue it, or --out with a new folder to start another',
    });
  }
  // Like open_clip's `--resume latest`: nothing to resume from starts a new run.
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
