/**
 * The files of a run directory besides checkpoints: run.json (the resolved config and model,
 * written before step 1), vocab.txt, and metrics.jsonl (one JSON line per step, plus a line
 * per evaluation).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../../config/train.js';
import { AlignError, errorMessage } from '../../errors.js';
import type { ModelSpec } from './presets.js';

export interface RunFile {
  version: string;
  /** The train config as resolved (flags over file over defaults; `out` absolute, `shards` defaulted). */
  config: TrainConfig;
  model: ModelSpec;
  parameters: number;
  backend: string;
  createdAt: string;
}

export function runFilePath(runDir: string): string {
  return join(runDir, 'run.json');
}

export function vocabPath(runDir: string): string {
  return join(runDir, 'vocab.txt');
}

export function writeRunFile(runDir: string, run: RunFile): void {
  mkdirSync(runDir, { recursive: true });
  const path = runFilePath(runDir);
  writeFileSync(`${path}.partial`, JSON.stringify(run, null, 2) + '\n');
  renameSync(`${path}.partial`, path);
}

export function readRunFile(runDir: string): RunFile {
  const path = runFilePath(runDir);
  if (!existsSync(path)) {
    throw new AlignError('E_NO_DATA', `${runDir} is not a training run (no run.json)`, {
      hint: 'pass the --out folder of an `align-data train` run',
    });
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunFile;
  } catch (err) {
    throw new AlignError('E_IO', `cannot read ${path}: ${errorMessage(err)}`);
  }
}

export interface StepMetrics {
  step: number;
  loss: number;
  temperature: number;
  lr: number;
  samplesPerSecond: number;
  gradNorm: number;
  /** Milliseconds the step waited for its batch (near 0 when decoding keeps up). */
  dataMs: number;
}

/** Appends metrics lines; a resumed run appends to the same file. */
export class MetricsWriter {
  readonly path: string;

  constructor(runDir: string, fresh: boolean) {
    this.path = join(runDir, 'metrics.jsonl');
    if (fresh) writeFileSync(this.path, '');
  }

  write(record: StepMetrics | { step: number; val: Record<string, unknown> }): void {
    appendFileSync(this.path, JSON.stringify(record) + '\n');
  }
}

/** Reads metrics.jsonl (for tests and the bench). */
export function readMetrics(runDir: string): Record<string, unknown>[] {
  const text = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
