import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Split, bracePattern } from './keys.js';

export const SIZES_FILE = 'sizes.json';
export const MANIFEST_FILE = 'manifest.json';
export const VAL_MANIFEST_FILE = 'val-manifest.json';

/** A complete shard file, as the manifests list it. */
export interface ShardFile {
  /** File name beside the manifests, e.g. `train-000003.tar`. */
  name: string;
  split: Split;
  /** 3 in `train-000003.tar`. */
  number: number;
  samples: number;
  bytes: number;
  /** Of the whole file. */
  sha256: string;
}

export interface SplitIndex {
  pattern: string | null;
  shards: number;
  samples: number;
}

/**
 * Writes the files beside the shards, from the list of every shard in the folder (the shard
 * stage passes the store's list; a generated dataset its own):
 * - sizes.json: `{"train-000000.tar": 10000, ...}` (open_clip reads it instead of --train-num-samples)
 * - manifest.json: a wids shard index of the training shards (`shardlist` of url, nsamples,
 *   filesize, sha256) plus the brace pattern of each split
 * - val-manifest.json: the same for the held-out shards, so a wids reader never mixes them in.
 * Each file is written beside and renamed, so a reader sees the old one or the new one.
 */
export function writeManifests(dir: string, shards: readonly ShardFile[], prefixes: Record<Split, string>): Record<Split, SplitIndex> {
  const sorted = [...shards].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sizes = Object.fromEntries(sorted.map((s) => [s.name, s.samples]));
  const index = { train: indexOf(sorted, 'train', prefixes.train), val: indexOf(sorted, 'val', prefixes.val) };
  writeAtomically(join(dir, SIZES_FILE), sizes);
  writeAtomically(join(dir, MANIFEST_FILE), widsIndex(sorted, 'train', index));
  writeAtomically(join(dir, VAL_MANIFEST_FILE), widsIndex(sorted, 'val', index));
  return index;
}

function indexOf(shards: readonly ShardFile[], split: Split, prefix: string): SplitIndex {
  const mine = shards.filter((s) => s.split === split);
  // Numbers run 0..n-1 (an incremental run continues after the last one), so the range is the pattern.
  const count = mine.length === 0 ? 0 : mine.reduce((m, s) => Math.max(m, s.number), 0) + 1;
  return { pattern: bracePattern(prefix, count), shards: mine.length, samples: mine.reduce((n, s) => n + s.samples, 0) };
}

function widsIndex(shards: readonly ShardFile[], split: Split, index: Record<Split, SplitIndex>): unknown {
  return {
    __kind__: 'wids-shard-index-v1',
    wids_version: 1,
    name: `align-data ${split}`,
    pattern: index[split].pattern,
    nsamples: index[split].samples,
    shardlist: shards
      .filter((s) => s.split === split)
      .map((s) => ({ url: s.name, nsamples: s.samples, filesize: s.bytes, sha256: s.sha256 })),
    splits: {
      train: { ...index.train, manifest: MANIFEST_FILE },
      val: { ...index.val, manifest: VAL_MANIFEST_FILE },
    },
  };
}

function writeAtomically(path: string, value: unknown): void {
  try {
    writeFileSync(`${path}.partial`, JSON.stringify(value, null, 2) + '\n');
    renameSync(`${path}.partial`, path);
  } catch (err) {
    rmSync(`${path}.partial`, { force: true });
    throw err;
  }
}
