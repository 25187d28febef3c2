import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Split } from './keys.js';
import { type ShardFile, type SplitIndex, writeManifests } from './manifest.js';
import { SplitWriter, type WdsSample } from './split-writer.js';

export interface WriteShardsOptions {
  /** @default 10000 */
  samplesPerShard?: number;
  /** @default 1 GiB */
  maxShardBytes?: number;
}

export interface WrittenSplit {
  /** The brace pattern with its folder, e.g. `dir/train-{000000..000003}.tar`. */
  pattern: string;
  shards: ShardFile[];
}

/**
 * Writes a whole dataset at once into an empty folder: `train-NNNNNN.tar` and `val-NNNNNN.tar`
 * with the same writer and the same sizes.json and manifests as the shard stage, so generated
 * data (synthetic shards, test fixtures) looks exactly like a crawled corpus's.
 */
export function writeShards(dir: string, samples: Partial<Record<Split, Iterable<WdsSample>>>, options: WriteShardsOptions = {}): Record<Split, WrittenSplit | null> {
  mkdirSync(dir, { recursive: true });
  const shards: ShardFile[] = [];
  for (const split of ['train', 'val'] as const) {
    const writer = new SplitWriter({
      dir,
      split,
      prefix: split,
      samplesPerShard: options.samplesPerShard ?? 10_000,
      maxShardBytes: options.maxShardBytes ?? 2 ** 30,
      onShard: (shard) => shards.push(shard),
    });
    try {
      for (const sample of samples[split] ?? []) writer.add(sample, undefined);
      writer.close();
    } catch (err) {
      writer.abort();
      throw err;
    }
  }
  const index = writeManifests(dir, shards, { train: 'train', val: 'val' });
  return { train: written(dir, index.train, shards, 'train'), val: written(dir, index.val, shards, 'val') };
}

function written(dir: string, index: SplitIndex, shards: ShardFile[], split: Split): WrittenSplit | null {
  return index.pattern ? { pattern: join(dir, index.pattern), shards: shards.filter((s) => s.split === split) } : null;
}
