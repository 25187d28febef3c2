/**
 * shard: kept pairs → WebDataset shards.
 *
 * In: the store's kept pairs (`decisions.kept = 1`, with their pair, image, blob and page rows)
 * and the image files under `images/` (util/image-path.ts).
 * Out: `shards/<prefix>-NNNNNN.tar` (samples `<key>.jpg|.json|.txt`), `sizes.json`,
 * `manifest.json`, `val-manifest.json`, and the rows of `shards`, `shard_samples` (which pair
 * went into which shard under which key), `shard_failures` and `shard_runs`.
 * May import: store, util, webdataset, errors, config; never another stage.
 *
 * Runs are incremental: only kept pairs in no shard yet are written, into new shards; existing
 * shards are never rewritten unless `rebuild` is set, or `withdraw` (refresh) removes the samples
 * whose source withdrew consent from the shards that hold them.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ShardConfig } from '../../config/shard.js';
import { AlignError, configError } from '../../errors.js';
import { storePath } from '../../store/db.js';
import { openShardStore, type ShardCandidate, type ShardStore } from '../../store/shard.js';
import { openPartitionShardStore } from '../../store/shard-partition.js';
import type { StageContext } from '../../util/context.js';
import { partName, type Partition } from '../../util/partition.js';
import { imagePath } from '../../util/image-path.js';
import { asStorageError } from '../../util/storage-error.js';
import { MANIFEST_FILE, SIZES_FILE, type SplitIndex, VAL_MANIFEST_FILE, writeManifests } from '../../webdataset/manifest.js';
import { sampleOptionsHash } from '../../webdataset/sample-options.js';
import type { EncodeOptions } from './encode.js';
import { EncoderPool, type EncoderPoolStats } from './encode-pool.js';
import { type Encoder, resolveEncoder } from './native.js';
import { type WithdrawResult, withdrawFromShards } from './withdraw.js';
import { type WriteSamplesResult, writeSamples } from './write-samples.js';

export interface ShardOptions {
  /** Delete every shard and write all kept pairs again (after filters changed what is kept). @default false */
  rebuild?: boolean;
  /**
   * First rewrite the shards that hold samples whose source withdrew consent, without them
   * (withdraw.ts). `refresh` sets it; a plain `shard` never rewrites a shard. @default false
   */
  withdraw?: boolean;
  /** Unix ms after which no new sample is started (a time budget); what is left waits for the next run. @default none */
  stopAt?: number;
  /**
   * This task's share of the kept samples (by image sha256) of a merged store: written into its
   * own folder (shardPartDir) with its own bookkeeping; `merge --shards` gathers the folders.
   * @default null
   */
  partition?: Partition | null;
}

export interface ShardSummary {
  /** Kept pairs that were in no shard when the run started. */
  queued: number;
  samplesWritten: number;
  trainSamplesWritten: number;
  valSamplesWritten: number;
  shardsWritten: number;
  bytesWritten: number;
  /** Pairs skipped with their reason (decode_failed, missing_file, encoder_crashed). */
  failed: Record<string, number>;
  /** All shards and samples after this run. */
  totalShards: number;
  totalSamples: number;
  /** Samples in shards whose pair the latest filter run no longer keeps (`--rebuild` drops them). */
  staleSamples: number;
  imagesPerSecond: number;
  shardsDir: string;
  /** Brace patterns, e.g. `data/shards/train-{000000..000003}.tar` (null: no shard in that split). */
  trainShards: string | null;
  valShards: string | null;
  manifest: string;
  interrupted: boolean;
  /** `stopAt` came before every queued pair was written. */
  outOfTime: boolean;
  /** With `withdraw`: the shards rewritten without withdrawn samples, and those that could not be. */
  withdrawn: WithdrawResult | null;
  /** The encoder that re-encoded the JPEGs it takes (`shard.encoder` settled: native or sharp). */
  encoder: Encoder;
  /** The encoder processes: how many, their peak resident memory together, and how many died on an image. */
  encoders: EncoderPoolStats;
  partition?: Partition | null;
}

export function shardsDir(dataDir: string): string {
  return join(dataDir, 'shards');
}

/** A shard partition's output folder: `shard-parts/part-0003-of-0016` in the merged data dir. */
export function shardPartDir(dataDir: string, p: { index: number; count: number }): string {
  return join(dataDir, 'shard-parts', partName(p));
}

export async function runShard(config: ShardConfig, ctx: StageContext, options: ShardOptions = {}): Promise<ShardSummary> {
  const started = Date.now();
  const partition = options.partition ?? null;
  const dir = partition ? shardPartDir(ctx.dataDir, partition) : shardsDir(ctx.dataDir);
  if (partition && !existsSync(storePath(ctx.dataDir))) throw noDecisions(ctx.dataDir);
  const store = partition ? openPartitionShardStore(ctx.dataDir, dir, partition) : openShardStore(ctx.dataDir);
  let pool: EncoderPool | null = null;
  try {
    if (store.countDecisions() === 0) throw noDecisions(ctx.dataDir);
    const resolving = resolveEncoder(config.encoder);
    // Started first, so the processes load while the encoder is settled and the store and the
    // folder are made ready. The options are read as images are handed out, so the encoder is
    // filled in below, before the first.
    const encoding = encodeOptions(config, 'sharp');
    pool = new EncoderPool({ processes: encoderProcesses(config), options: encoding, onCrash: (m) => ctx.log.warn(m) });
    const { encoder: encoderKind, note } = await resolving; // a config error here stops before any work
    encoding.encoder = encoderKind;
    ctx.log.debug(`shard: encoding with ${note}`);
    const optionsHash = sampleOptionsHash(config);
    if (options.rebuild) removeAllShards(store, dir, config);
    else checkOptions(store, optionsHash, dir);
    mkdirSync(dir, { recursive: true });
    removePartials(dir);
    const runId = store.startRun(started);
    const withdrawn = options.withdraw ? await withdrawFromShards(store, dir, ctx.log) : null;
    const queued = store.queueCandidates();
    const stop = stopSignal(ctx.signal, options.stopAt);
    ctx.log.info(`shard: ${queued.toLocaleString('en-US')} kept pairs to write into ${dir}`);
    const encoder = pool;
    const result = await writeSamples(store, {
      dir,
      config,
      optionsHash,
      concurrency: encoder.capacity,
      encode: (c: ShardCandidate) => encoder.encode(imagePath(ctx.dataDir, c.sha256)),
      log: ctx.log,
      signal: stop,
      queued,
      // Keys unique across partitions: p0003_000000_0042.
      keyPrefix: partition ? `p${String(partition.index).padStart(4, '0')}_` : '',
    });
    pool = null;
    const encoders = await encoder.close();
    ctx.log.debug(`shard: ${encoders.processes} encoder processes, together at most ${Math.round(encoders.peakRssKB / 1024)} MB resident, ${encoders.crashes} crashed`);
    const index = writeManifests(dir, store.listShards(), { train: config.trainPrefix, val: config.valPrefix });
    const outOfTime = stop.aborted && !ctx.signal.aborted;
    const summary = summarize(result, index, { queued, dir, started, stale: store.countStale(), interrupted: ctx.signal.aborted, outOfTime, withdrawn, encoder: encoderKind, encoders });
    if (summary.staleSamples > 0) {
      ctx.log.warn(`${summary.staleSamples} samples in existing shards are no longer kept by the filter: run \`align-data shard --rebuild\``);
    }
    store.finishRun(runId, Date.now(), summary);
    return partition ? { ...summary, partition } : summary;
  } catch (err) {
    // A shard is recorded with its samples in one transaction, after its file is complete.
    throw asStorageError(err, { store: storePath(ctx.dataDir), path: dir });
  } finally {
    await pool?.close();
    store.close();
  }
}

function noDecisions(dataDir: string): AlignError {
  return new AlignError('E_NO_DATA', `no filter decisions in ${dataDir}: nothing to shard`, {
    hint: 'run `align-data crawl` and `align-data filter` on this --data-dir first',
  });
}

function summarize(
  result: WriteSamplesResult,
  index: Record<'train' | 'val', SplitIndex>,
  run: { queued: number; dir: string; started: number; stale: number; interrupted: boolean; outOfTime: boolean; withdrawn: WithdrawResult | null; encoder: Encoder; encoders: EncoderPoolStats },
): ShardSummary {
  const seconds = Math.max(1e-3, (Date.now() - run.started) / 1000);
  return {
    queued: run.queued,
    samplesWritten: result.train.samples + result.val.samples,
    trainSamplesWritten: result.train.samples,
    valSamplesWritten: result.val.samples,
    shardsWritten: result.train.shards + result.val.shards,
    bytesWritten: result.train.bytes + result.val.bytes,
    failed: result.failed,
    totalShards: index.train.shards + index.val.shards,
    totalSamples: index.train.samples + index.val.samples,
    staleSamples: run.stale,
    imagesPerSecond: result.processed / seconds,
    shardsDir: run.dir,
    trainShards: index.train.pattern && join(run.dir, index.train.pattern),
    valShards: index.val.pattern && join(run.dir, index.val.pattern),
    manifest: join(run.dir, MANIFEST_FILE),
    interrupted: run.interrupted,
    outOfTime: run.outOfTime,
    withdrawn: run.withdrawn,
    encoder: run.encoder,
    encoders: run.encoders,
  };
}

/** Ctrl-C, or the time budget running out: either stops starting new samples. */
function stopSignal(signal: AbortSignal, stopAt: number | undefined): AbortSignal {
  if (stopAt === undefined) return signal;
  return AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, stopAt - Date.now()))]);
}

/** Encoder processes, each encoding one image at a time (encode-pool.ts). Default one per core. */
function encoderProcesses(config: ShardConfig): number {
  return config.concurrency ?? availableParallelism();
}

function encodeOptions(config: ShardConfig, encoder: Encoder): EncodeOptions {
  return { resizeMode: config.resizeMode, imageSize: config.imageSize, resizeOnlyIfBigger: config.resizeOnlyIfBigger, jpegQuality: config.jpegQuality, encoder };
}

function checkOptions(store: ShardStore, optionsHash: string, dir: string): void {
  if (store.optionsInUse().some((h) => h !== optionsHash)) {
    throw configError(
      `the shards in ${dir} were written with other sample options (resize, size, quality, val fraction or prefixes) than this run's`,
      'run `align-data shard --rebuild` to rewrite every shard with the new options, or go back to the old ones',
    );
  }
}

/** `--rebuild`: forget every shard in the store and delete the files (the shards' own names only). */
function removeAllShards(store: ShardStore, dir: string, config: ShardConfig): void {
  const names = new Set(store.listShards().map((s) => s.name));
  store.clearAll();
  const ours = new RegExp(`^(${config.trainPrefix}|${config.valPrefix})-\\d{6,}\\.tar(\\.partial)?$`);
  for (const name of safeReaddir(dir)) {
    if (names.has(name) || ours.test(name)) rmSync(join(dir, name), { force: true });
  }
  for (const name of [SIZES_FILE, MANIFEST_FILE, VAL_MANIFEST_FILE]) rmSync(join(dir, name), { force: true });
}

/** A `.partial` left by a killed run is never part of the dataset. */
function removePartials(dir: string): void {
  for (const name of safeReaddir(dir)) if (name.endsWith('.partial')) rmSync(join(dir, name), { force: true });
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
