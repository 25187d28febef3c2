/**
 * Checkpoints: `RUN_DIR/checkpoints/step-000100/` holds weights.bin + weights.json (names and
 * shapes), optimizer.bin (Adam's two moments), state.json (step, updates, time and samples so
 * far) and vocab.txt. Each is written under a `.partial` name and renamed when complete, then
 * `RUN_DIR/latest.json` is pointed at it: a killed run never leaves a half checkpoint behind.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AlignError, errorMessage } from '../../errors.js';
import { asStorageError, naming } from '../../util/storage-error.js';
import type { OptimizerState } from './optimizer.js';
import type { ParamSpec } from './params.js';

export interface TrainState {
  step: number;
  /** Milliseconds spent training so far, over all resumed runs. */
  trainMs: number;
  samples: number;
}

export interface Checkpoint {
  dir: string;
  state: TrainState;
  specs: { name: string; shape: number[] }[];
  weights: Float32Array;
  optimizer: OptimizerState;
}

export interface SaveInput {
  runDir: string;
  state: TrainState;
  specs: readonly ParamSpec[];
  weights: Float32Array;
  optimizer: OptimizerState;
  /** Checkpoints kept; older ones are removed. */
  keep: number;
}

const LATEST = 'latest.json';

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

export function saveCheckpoint(input: SaveInput): string {
  const root = join(input.runDir, 'checkpoints');
  const name = checkpointName(input.state.step);
  const dir = join(root, name);
  const partial = `${dir}.partial`;
  try {
    writeCheckpoint(input, partial, dir);
  } catch (err) {
    // A full disk: no half checkpoint is left, and latest.json still names the last complete one.
    rmSync(partial, { recursive: true, force: true });
    rmSync(join(input.runDir, `${LATEST}.partial`), { force: true });
    throw asStorageError(err, { path: partial, next: 'run the same command with --resume: it continues from the last complete checkpoint' });
  }
  pruneCheckpoints(root, name, input.keep);
  return dir;
}

function writeCheckpoint(input: SaveInput, partial: string, dir: string): void {
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  writeNamed(join(partial, 'weights.bin'), toBytes(input.weights));
  writeNamed(join(partial, 'weights.json'), JSON.stringify(input.specs.map((s) => ({ name: s.name, shape: s.shape }))) + '\n');
  writeNamed(join(partial, 'optimizer.bin'), Buffer.concat([toBytes(input.optimizer.m), toBytes(input.optimizer.v)]));
  writeNamed(join(partial, 'state.json'), JSON.stringify({ ...input.state, updates: input.optimizer.updates }) + '\n');
  copyFileSync(join(input.runDir, 'vocab.txt'), join(partial, 'vocab.txt'));
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  writeAtomic(join(input.runDir, LATEST), JSON.stringify({ step: input.state.step, checkpoint: `checkpoints/${basename(dir)}` }) + '\n');
}

/** The latest complete checkpoint of a run, or null when it has none. */
export function loadLatestCheckpoint(runDir: string): Checkpoint | null {
  const latestPath = join(runDir, LATEST);
  if (!existsSync(latestPath)) return null;
  try {
    const latest = JSON.parse(readFileSync(latestPath, 'utf8')) as { checkpoint: string };
    return readCheckpoint(join(runDir, latest.checkpoint));
  } catch (err) {
    throw new AlignError('E_IO', `cannot read the latest checkpoint of ${runDir}: ${errorMessage(err)}`, {
      hint: 'point latest.json at an intact checkpoints/step-* folder, or start a new run with another --out',
    });
  }
}

function readCheckpoint(dir: string): Checkpoint {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TrainState & { updates: number };
  const specs = JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8')) as { name: string; shape: number[] }[];
  const weights = fromBytes(readFileSync(join(dir, 'weights.bin')));
  const moments = fromBytes(readFileSync(join(dir, 'optimizer.bin')));
  const half = moments.length / 2;
  if (moments.length !== 2 * weights.length) throw new Error('optimizer.bin does not match weights.bin');
  return {
    dir,
    state: { step: state.step, trainMs: state.trainMs, samples: state.samples },
    specs,
    weights,
    optimizer: { updates: state.updates, m: moments.slice(0, half), v: moments.slice(half) },
  };
}

function pruneCheckpoints(root: string, newest: string, keep: number): void {
  const names = readdirSync(root)
    .filter((n) => /^step-\d+$/.test(n) && n <= newest)
    .sort();
  for (const old of names.slice(0, Math.max(0, names.length - keep))) rmSync(join(root, old), { recursive: true, force: true });
}

/** writeFileSync, whose errors name the file (a failed write after the open names none). */
function writeNamed(path: string, data: string | Buffer): void {
  naming(path, () => writeFileSync(path, data));
}

function writeAtomic(path: string, text: string): void {
  writeNamed(`${path}.partial`, text);
  renameSync(`${path}.partial`, path);
}

function toBytes(data: Float32Array): Buffer {
  // Checkpoints are little-endian float32, as on every machine Node runs on.
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function fromBytes(buf: Buffer): Float32Array {
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}
