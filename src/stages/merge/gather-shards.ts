/**
 * `merge --shards --into OUT DIR...`: the shard folders of `shard --partition I/N` tasks → one
 * WebDataset in OUT. Each folder's shards (as its manifests list them) are linked into OUT
 * under contiguous numbers per split, folder by folder in the order given, then file name, so
 * open_clip reads the whole set with one brace pattern (`train-{000000..000041}.tar`) and one
 * sizes.json; the samples keep their keys (partition-prefixed, unique across partitions).
 * Hard links where OUT is on the same filesystem, copies elsewhere. Idempotent: OUT's own
 * numbered shards and manifests are rewritten from the folders each time.
 * May import: store/, util/, webdataset/, errors.
 */
import { copyFileSync, existsSync, linkSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { usageError } from '../../errors.js';
import { acquireLock } from '../../util/lock.js';
import { shardFileName, type Split } from '../../webdataset/keys.js';
import { MANIFEST_FILE, type ShardFile, SIZES_FILE, VAL_MANIFEST_FILE, writeManifests } from '../../webdataset/manifest.js';

export interface GatherSummary {
  into: string;
  folders: number;
  trainShards: string | null;
  valShards: string | null;
  shards: number;
  samples: number;
  linked: number;
  copied: number;
}

interface Listed {
  dir: string;
  split: Split;
  name: string;
  nsamples: number;
  filesize: number;
  sha256: string;
}

export function gatherShards(into: string, dirs: string[]): GatherSummary {
  if (dirs.length === 0) throw usageError('merge --shards: give the shard folders: align-data merge --shards --into OUT DIR...');
  const out = resolve(into);
  const listed = dirs.flatMap((d) => readFolder(d, out));
  const prefixes = { train: prefixOf(listed, 'train', 'train'), val: prefixOf(listed, 'val', 'val') };
  const lock = acquireLock(out, 'merge');
  try {
    return gather(out, listed, prefixes, dirs.length);
  } finally {
    lock.release();
  }
}

function gather(out: string, listed: Listed[], prefixes: Record<Split, string>, folders: number): GatherSummary {
  removeOwn(out, prefixes);
  const files: ShardFile[] = [];
  const counts = { linked: 0, copied: 0 };
  for (const split of ['train', 'val'] as const) {
    for (const [number, s] of listed.filter((l) => l.split === split).entries()) {
      const name = shardFileName(prefixes[split], number);
      place(join(s.dir, s.name), join(out, name), counts);
      files.push({ name, split, number, samples: s.nsamples, bytes: s.filesize, sha256: s.sha256 });
    }
  }
  const index = writeManifests(out, files, prefixes);
  return {
    into: out, folders,
    trainShards: index.train.pattern && join(out, index.train.pattern),
    valShards: index.val.pattern && join(out, index.val.pattern),
    shards: files.length, samples: index.train.samples + index.val.samples, ...counts,
  };
}

/** A folder's shards from its manifests (the shard stage writes them last): a folder without them stops before any work. */
function readFolder(d: string, out: string): Listed[] {
  const dir = resolve(d);
  if (dir === out) throw usageError(`merge --shards: ${d} is also --into`);
  const rows: Listed[] = [];
  for (const [file, split] of [[MANIFEST_FILE, 'train'], [VAL_MANIFEST_FILE, 'val']] as const) {
    const path = join(dir, file);
    if (!existsSync(path)) throw usageError(`merge --shards: ${d} has no ${file} (not a shard folder, or its shard run has not finished)`);
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { shardlist: { url: string; nsamples: number; filesize: number; sha256: string }[] };
    for (const s of manifest.shardlist) rows.push({ dir, split, name: s.url, nsamples: s.nsamples, filesize: s.filesize, sha256: s.sha256 });
  }
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `train` from `train-000003.tar`; every folder must use the same prefix per split. */
function prefixOf(listed: Listed[], split: Split, fallback: string): string {
  const names = new Set(listed.filter((l) => l.split === split).map((l) => l.name.replace(/-\d{6,}\.tar$/, '')));
  if (names.size > 1) throw usageError(`merge --shards: the ${split} shards have different prefixes (${[...names].join(', ')})`);
  return [...names][0] ?? fallback;
}

/** OUT's numbered shards of an earlier gather, and its manifests: rewritten from the folders. */
function removeOwn(out: string, prefixes: Record<Split, string>): void {
  const ours = new RegExp(`^(${prefixes.train}|${prefixes.val})-\\d{6,}\\.tar$`);
  for (const name of readdirSync(out)) if (ours.test(name)) rmSync(join(out, name), { force: true });
  for (const name of [SIZES_FILE, MANIFEST_FILE, VAL_MANIFEST_FILE]) rmSync(join(out, name), { force: true });
}

function place(from: string, to: string, counts: { linked: number; copied: number }): void {
  if (!existsSync(from)) throw usageError(`merge --shards: ${from} is listed in its manifest but missing`);
  try {
    linkSync(from, to);
    counts.linked += 1;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    copyFileSync(from, to);
    counts.copied += 1;
  }
}
