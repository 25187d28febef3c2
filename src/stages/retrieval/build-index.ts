/**
 * `index`: embeds every sample of the shards (image and caption) with a run's checkpoint into a
 * sqlite-vec index. Incremental and resumable: a shard read to its end is recorded with its size
 * and mtime and skipped next time; a shard a kill cut short is read again and only the keys not
 * yet indexed are embedded. One batch of samples is in memory at a time.
 *
 * With a partition (`index --partition I/N`): the shards whose file name hashes to I, into the
 * part's own index file (indexPartPath); `merge --index` gathers the parts into one index.
 * Split by shard, not by sample, so each task reads only its own shards.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AlignError } from '../../errors.js';
import { VectorIndex, type NewSample } from '../../store/vector-index.js';
import type { StageContext } from '../../util/context.js';
import { formatPartition, partName, samplePartition, type Partition } from '../../util/partition.js';
import { emptyCounts, readShard, type RawSample, type ReadCounts } from '../../webdataset/reader.js';
import { listShards } from '../../webdataset/shard-list.js';
import { row, type VectorEncoder } from './vectors.js';

export interface IndexOptions {
  /** Shards to index: a brace pattern, a .tar or a folder (all its .tar files). */
  shards: string;
  /** The index file. */
  indexPath: string;
  /** Start the index afresh (needed when it was built with another run or checkpoint). @default false */
  rebuild?: boolean;
  /** Samples embedded per batch. @default 64 */
  batchSize?: number;
  /** This task's share of the shards (by file name); indexPath is then the part's file. @default null */
  partition?: Partition | null;
}

/** A partition's index file: `index-parts/part-0003-of-0016.sqlite` beside the index. */
export function indexPartPath(indexPath: string, p: { index: number; count: number }): string {
  return join(dirname(indexPath), 'index-parts', `${partName(p)}.sqlite`);
}

export interface IndexSummary {
  index: string;
  run: string;
  step: number;
  shards: number;
  /** Shards skipped because they were indexed to their end before, unchanged. */
  shardsUnchanged: number;
  /** Samples embedded by this invocation. */
  added: number;
  /** Samples whose image did not decode (recorded, not indexed). */
  failed: number;
  /** Samples in the index now. */
  total: number;
  skipped: { incomplete: number; brokenShards: number };
  seconds: number;
  embeddingsPerSecond: number;
  partition?: Partition | null;
}

/** The identity an index records: the run's absolute path and checkpoint step. */
export function identityOf(encoder: VectorEncoder): { run: string; step: number; dim: number } {
  return { run: resolve(encoder.runDir), step: encoder.step, dim: encoder.embedDim };
}

export async function runIndex(encoder: VectorEncoder, options: IndexOptions, ctx: StageContext): Promise<IndexSummary> {
  const started = performance.now();
  const paths = ownShards(shardPaths(options.shards, ctx), options.partition ?? null, ctx);
  const index = VectorIndex.open(options.indexPath, identityOf(encoder), { rebuild: options.rebuild });
  const counts = emptyCounts();
  const tally = { added: 0, failed: 0, unchanged: 0 };
  try {
    for (const path of paths) {
      if (ctx.signal.aborted) break;
      const st = statSync(path);
      if (index.isShardDone(path, st.size, st.mtimeMs)) {
        tally.unchanged++;
        continue;
      }
      const before = counts.brokenShards;
      const n = await indexShard(encoder, index, path, counts, options.batchSize ?? 64, tally, ctx, started);
      // A shard that broke off, or a run stopped mid-shard, is read again next time.
      if (!ctx.signal.aborted && counts.brokenShards === before) index.markShardDone(path, st.size, st.mtimeMs, n);
    }
    const seconds = (performance.now() - started) / 1000;
    ctx.log.clearProgress();
    return {
      index: options.indexPath,
      run: index.identity.run,
      step: index.identity.step,
      shards: paths.length,
      shardsUnchanged: tally.unchanged,
      added: tally.added,
      failed: tally.failed,
      total: index.count(),
      skipped: { incomplete: counts.incomplete, brokenShards: counts.brokenShards },
      seconds,
      embeddingsPerSecond: seconds > 0 ? (2 * tally.added) / seconds : 0,
      ...(options.partition ? { partition: options.partition } : {}),
    };
  } finally {
    index.close();
  }
}

/** A partition's shards: those whose file name hashes to it (the same file at another path lands in the same part). */
function ownShards(paths: string[], partition: Partition | null, ctx: StageContext): string[] {
  if (!partition) return paths;
  const own = paths.filter((p) => samplePartition(basename(p), partition.count) === partition.index);
  ctx.log.info(`index: partition ${formatPartition(partition)}: ${own.length} of ${paths.length} shards`);
  return own;
}

/** A folder means every .tar in it (train and val alike: an index serves both); else listShards. */
export function shardPaths(spec: string, ctx: StageContext): string[] {
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    const tars = readdirSync(spec).filter((f) => f.endsWith('.tar')).sort();
    if (tars.length === 0) throw new AlignError('E_NO_DATA', `no .tar shards in ${spec}`, { hint: 'run `align-data shard` first, or pass --shards' });
    return tars.map((f) => resolve(join(spec, f)));
  }
  return listShards(spec, ctx.log).map((s) => resolve(s.path));
}

async function indexShard(
  encoder: VectorEncoder,
  index: VectorIndex,
  path: string,
  counts: ReadCounts,
  batchSize: number,
  tally: { added: number; failed: number },
  ctx: StageContext,
  started: number,
): Promise<number> {
  const known = index.keysOf(path);
  let batch: RawSample[] = [];
  let seen = 0;
  const flush = async (): Promise<void> => {
    await embedAndStore(encoder, index, batch, tally);
    batch = [];
    const seconds = (performance.now() - started) / 1000;
    ctx.log.progress('index', { samples: tally.added, failed: tally.failed, 'embeddings/s': (2 * tally.added) / Math.max(seconds, 1e-3) });
  };
  for await (const sample of readShard(path, counts)) {
    seen++;
    if (known.has(sample.key)) continue;
    batch.push(sample);
    if (batch.length >= batchSize) await flush();
    if (ctx.signal.aborted) return seen;
  }
  if (batch.length > 0) await flush();
  return seen;
}

async function embedAndStore(encoder: VectorEncoder, index: VectorIndex, batch: RawSample[], tally: { added: number; failed: number }): Promise<void> {
  const dim = encoder.embedDim;
  const images = await encoder.embedImages(batch.map((s) => s.image));
  const texts = await encoder.embedTexts(batch.map((s) => s.caption));
  const rows: NewSample[] = [];
  const failed: { shard: string; key: string; reason: string }[] = [];
  batch.forEach((s, i) => {
    if (!images.ok[i]) {
      failed.push({ shard: s.shard, key: s.key, reason: 'decode_failed' });
      return;
    }
    const meta = parseMeta(s.json);
    rows.push({ key: s.key, shard: s.shard, caption: s.caption, url: meta.url, pageUrl: meta.pageUrl, image: row(images.vectors, i, dim), text: row(texts, i, dim) });
  });
  index.add(rows);
  index.recordFailed(failed);
  tally.added += rows.length;
  tally.failed += failed.length;
}

/** url and page_url from a sample's .json; a damaged .json only costs those two fields. */
function parseMeta(json: Buffer | undefined): { url: string | null; pageUrl: string | null } {
  if (!json) return { url: null, pageUrl: null };
  try {
    const m = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
    return { url: typeof m.url === 'string' ? m.url : null, pageUrl: typeof m.page_url === 'string' ? m.page_url : null };
  } catch {
    return { url: null, pageUrl: null };
  }
}
