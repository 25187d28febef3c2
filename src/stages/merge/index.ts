/**
 * merge: partition data dirs → one store, and each partition's recorded work for other hosts
 * into its owner's store.
 *
 * In: the merged data dir (`into`) and the partition data dirs (each written by
 * `crawl --partition I/N`). Out: pages, images, blobs and pairs of every partition in the
 * merged store, keyed by URL (idempotent: merging again adds nothing, a re-run partition's rows
 * replace its earlier ones); image files linked in place (absolute symlinks) or copied; the
 * 'handover' rows of each partition queued in the owner partition's store, so the next round
 * of the same array continues the crawl. Rounds end when nothing is handed over and nothing is
 * pending: the merged store then holds what one machine would have crawled.
 * May import: store/, util/, errors.
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { usageError } from '../../errors.js';
import { openStore, storePath, type Db } from '../../store/db.js';
import {
  attach, attachedBlobs, detach, handOverAttached, mergeAttached, pendingCount, recordSource, registerHostPartition, sourceChanged, tuneMergeStore,
  type MergeCounts, type SourceMeta,
} from '../../store/merge.js';
import { readPartitionMeta } from '../../store/partition.js';
import type { StageContext } from '../../util/context.js';
import { imagePath } from '../../util/image-path.js';
import { acquireLock, type DataDirLock } from '../../util/lock.js';

export interface MergeOptions {
  into: string;
  dirs: string[];
  /** Copy image files instead of linking them where they are. */
  copyImages: boolean;
  /** Merge every partition, also those unchanged since their last merge into `into`. */
  full?: boolean;
}

export interface MergeSummary {
  into: string;
  partitions: number;
  /** Partitions skipped: nothing changed since their last merge. */
  unchanged: number;
  /** Rows new in the merged store. */
  added: MergeCounts;
  imagesLinked: number;
  imagesCopied: number;
  /** Blobs whose file was not in the partition's images dir. */
  imagesMissing: number;
  /** Rows handed over into owners' stores: 0 (and pending 0) means the crawl reached its fixpoint. */
  handedOver: number;
  /** Pages and images still to fetch: run the array again. */
  pending: number;
  /** Partition indexes whose data dir was not given: their handover waits. */
  missingPartitions: number[];
  done: boolean;
}

interface Source {
  dir: string;
  meta: SourceMeta;
}

export function runMerge(options: MergeOptions, ctx: StageContext): MergeSummary {
  const sources = readSources(options);
  const locks: DataDirLock[] = [];
  try {
    for (const dir of [options.into, ...sources.map((s) => s.dir)]) locks.push(acquireLock(dir, 'merge'));
    const merged = mergeInto(options, sources, ctx);
    const handedOver = handOver(sources, ctx);
    const count = sources[0]!.meta.count;
    const given = new Set(sources.map((s) => s.meta.index));
    const missingPartitions = [...Array(count).keys()].filter((i) => !given.has(i));
    const summary = { ...merged, handedOver, missingPartitions };
    return { ...summary, done: handedOver === 0 && merged.pending === 0 && missingPartitions.length === 0 };
  } finally {
    for (const lock of locks.reverse()) lock.release();
  }
}

/** Every dir must be a store; partitioned ones must agree on N and not repeat an index. A bad set stops before any work. */
function readSources(options: MergeOptions): Source[] {
  if (options.dirs.length === 0) throw usageError('merge: give the partition data dirs: align-data merge --into DIR PART...');
  const sources = options.dirs.map((d) => readSource(d, resolve(options.into)));
  const seen = new Map<number, string>();
  for (const s of sources) {
    if (s.meta.count !== sources[0]!.meta.count) {
      throw usageError(`merge: ${s.dir} is one of ${s.meta.count} partitions, ${sources[0]!.dir} one of ${sources[0]!.meta.count}`);
    }
    const other = seen.get(s.meta.index);
    if (other !== undefined) throw usageError(`merge: ${s.dir} and ${other} are both partition ${s.meta.index}/${s.meta.count}`);
    seen.set(s.meta.index, s.dir);
  }
  return sources;
}

/** A store without partition_meta (crawled without --partition) is the only partition of one. */
function readSource(d: string, into: string): Source {
  const dir = resolve(d);
  if (dir === into) throw usageError(`merge: ${d} is also --into`);
  if (!existsSync(storePath(dir))) throw usageError(`merge: ${d} has no store (${storePath(dir)})`);
  const db = openStore(dir);
  try {
    const meta = readPartitionMeta(db) ?? { index: 0, count: 1 };
    return { dir, meta: { index: meta.index, count: meta.count } };
  } finally {
    db.close();
  }
}

function mergeInto(options: MergeOptions, sources: Source[], ctx: StageContext) {
  const db = openStore(options.into);
  registerHostPartition(db);
  tuneMergeStore(db);
  const added: MergeCounts = { pages: 0, images: 0, pairs: 0, blobs: 0 };
  const files = { imagesLinked: 0, imagesCopied: 0, imagesMissing: 0 };
  let unchanged = 0;
  try {
    for (const source of sources) {
      attach(db, storePath(source.dir));
      try {
        if (!options.full && !sourceChanged(db, source.dir)) {
          unchanged += 1;
          continue;
        }
        const got = mergeAttached(db, source.meta);
        for (const k of Object.keys(added) as (keyof MergeCounts)[]) added[k] += got[k];
        placeImages(db, source.dir, options, files);
        recordSource(db, source.dir, source.meta, Date.now());
      } finally {
        detach(db);
      }
      ctx.log.info(`merge: ${source.dir} (partition ${source.meta.index}/${source.meta.count})`);
    }
    return { into: resolve(options.into), partitions: sources.length, unchanged, added, ...files, pending: pendingCount(db) };
  } finally {
    db.close();
  }
}

/** Links (absolute symlink) or copies each blob's file into the merged images dir, once. */
function placeImages(db: Db, dir: string, options: MergeOptions, files: { imagesLinked: number; imagesCopied: number; imagesMissing: number }): void {
  for (const sha of attachedBlobs(db)) {
    const dest = imagePath(options.into, sha);
    if (existsSync(dest)) continue;
    const from = imagePath(dir, sha);
    if (!existsSync(from)) {
      files.imagesMissing += 1;
      continue;
    }
    if (isLink(dest)) unlinkSync(dest); // a link to a file that is gone
    mkdirSync(dirname(dest), { recursive: true });
    if (options.copyImages) {
      copyFileSync(from, dest);
      files.imagesCopied += 1;
    } else {
      symlinkSync(from, dest);
      files.imagesLinked += 1;
    }
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Each partition's 'handover' rows go into the frontier of the partition that owns their host. */
function handOver(sources: Source[], ctx: StageContext): number {
  let total = 0;
  for (const owner of sources) {
    if (owner.meta.count === 1) continue;
    const db = openStore(owner.dir);
    registerHostPartition(db);
    try {
      for (const from of sources) {
        if (from === owner) continue;
        attach(db, storePath(from.dir));
        try {
          total += handOverAttached(db, owner.meta);
        } finally {
          detach(db);
        }
      }
    } finally {
      db.close();
    }
  }
  ctx.log.info(`merge: handed over ${total} rows`);
  return total;
}
