/** Shared fixtures of the train tests: tiny synthetic shards and a model small enough to step in milliseconds. */
import { TrainConfigSchema, type TrainConfig } from '../../../src/config/train.js';
import { writeSyntheticShards } from '../../../src/synthetic/shards.js';

/** Writes 48 training and 16 held-out 32-px shape images (two training shards, one val shard). */
export async function writeTinyShards(dir: string): Promise<{ train: string; val: string }> {
  const written = await writeSyntheticShards({ dir, train: 48, val: 16, size: 32, perShard: 24, seed: 7 });
  return { train: written.train.pattern, val: written.val?.pattern ?? '' };
}

/** The smallest model the presets allow: 32 px, a one-layer 32-wide text tower. */
export function tinyConfig(overrides: Partial<TrainConfig> & Record<string, unknown> = {}): TrainConfig {
  return TrainConfigSchema.parse({
    backend: 'wasm',
    batchSize: 8,
    steps: 4,
    shuffleBuffer: 16,
    model: { preset: 'tiny', resolution: 32, textHidden: 32, textLayers: 1, textHeads: 2 },
    optimizer: { warmupSteps: 0, learningRate: 0.003 },
    ...overrides,
  });
}
