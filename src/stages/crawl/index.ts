/**
 * crawl: seeds → pages, image URLs, image blobs and pairs in the store.
 *
 * In: the crawl config (seeds, scope, politeness and fetch limits) and a data directory.
 * Out: rows in align.db (pages = the frontier, images, blobs, pairs, hosts, crawl_runs) and
 * image bytes in images/ab/cd/<sha256>; a CrawlSummary, also saved in crawl_runs when the run
 * completes (an unfinished run row is resumed by the next crawl).
 * May import: store/, util/, config/, errors. Nothing from other stages.
 *
 * Parts: seeds.ts and scope.ts (what to crawl), scheduler.ts and hosts.ts (when: politeness),
 * robots*.ts, fetcher.ts and http.ts (undici, limits, redirects, retries), page-task.ts with
 * sitemap.ts and src/html/ (charset, extraction, URL forms; shared with ingest's WARC reader),
 * image-task.ts with probe.ts and image-store.ts,
 * writer.ts (results in batched transactions), session.ts (wires one invocation together),
 * summary.ts.
 */
import { existsSync } from 'node:fs';
import type { CrawlConfig } from '../../config/crawl.js';
import { AlignError, usageError } from '../../errors.js';
import { CrawlStore } from '../../store/crawl.js';
import { openStore, storePath } from '../../store/db.js';
import { hasCrawlRows, readPartitionMeta, writePartitionMeta } from '../../store/partition.js';
import type { StageContext } from '../../util/context.js';
import { formatPartition, hostPartition, type Partition } from '../../util/partition.js';
import type { Runtime } from './runtime.js';
import { isStorageError } from './failure.js';
import { resolveSeeds, seedRow } from './seeds.js';
import { openSession, reportProgress, type CrawlSession } from './session.js';
import { buildSummary, type CrawlSummary } from './summary.js';

export type { CrawlSummary } from './summary.js';
export { userAgent } from './session.js';

/** Failure reasons a later run tries again (the rest wait until the row is stale). */
const TRANSIENT_REASONS = [
  'timeout', 'connect_failed', 'connection_reset', 'truncated', 'robots_unavailable',
  'http_408', 'http_429', 'http_500', 'http_502', 'http_503', 'http_504',
];

function noSeeds(): Error {
  return usageError('no seeds: give --seeds URL... or --seeds-file FILE', 'e.g. align-data crawl --seeds https://example.com/');
}

export interface CrawlRunOptions {
  /**
   * Download the queued images only: no page is fetched and no seed is needed (what ingest's
   * download step runs: the same scheduler, politeness and image checks). @default false
   */
  imagesOnly?: boolean;
  /** This task's share of the hosts (null: all of them). @default null */
  partition?: Partition | null;
}

export async function runCrawl(config: CrawlConfig, ctx: StageContext, options: CrawlRunOptions = {}): Promise<CrawlSummary> {
  const imagesOnly = options.imagesOnly ?? false;
  const partition = options.partition ?? null;
  const seeds = imagesOnly ? [] : resolveSeeds(config.seeds, config.seedsFile);
  if (seeds.length === 0 && !imagesOnly && !existsSync(storePath(ctx.dataDir))) throw noSeeds();
  const db = openStore(ctx.dataDir);
  try {
    const store = new CrawlStore(db);
    usePartition(store, partition, ctx);
    const run = startRun(store, config, seeds, ctx, imagesOnly);
    const summary = await crawl(store, config, ctx, run, imagesOnly);
    return partition ? { ...summary, partition, handover: store.handoverCounts() } : summary;
  } finally {
    db.close();
  }
}

/** A data dir belongs to one partition for good: another I/N (or none) on it stops before any work. */
function usePartition(store: CrawlStore, partition: Partition | null, ctx: StageContext): void {
  const meta = readPartitionMeta(store.db);
  if (partition === null) {
    if (meta) throw usageError(`${ctx.dataDir} holds partition ${meta.index}/${meta.count}: give --partition ${meta.index}/${meta.count}`);
    return;
  }
  if (meta && (meta.index !== partition.index || meta.count !== partition.count)) {
    throw usageError(`partition ${partition.index}/${partition.count}: ${ctx.dataDir} holds partition ${meta.index}/${meta.count}`, 'give each task its own --data-dir, e.g. run/part-$I');
  }
  if (!meta && hasCrawlRows(store.db)) throw usageError(`partition ${partition.index}/${partition.count}: ${ctx.dataDir} was crawled without partitions`, 'give each task a new --data-dir');
  writePartitionMeta(store.db, partition, Date.now());
  store.setOwnership((host) => hostPartition(host, partition.count) === partition.index);
  ctx.log.info(`crawl: partition ${formatPartition(partition)}: fetching only the hosts it owns`);
}

interface RunInfo {
  id: number;
  startedAt: number;
  resumed: boolean;
  seeds: string[];
}

/** Resumes the unfinished run if there is one, puts killed and stale rows back in the queue, adds the seeds. */
function startRun(store: CrawlStore, config: CrawlConfig, seeds: string[], ctx: StageContext, imagesOnly: boolean): RunInfo {
  const now = Date.now();
  const prior = store.findUnfinishedRun();
  const priorSeeds = prior?.config ? ((JSON.parse(prior.config) as { seeds?: string[] }).seeds ?? []) : [];
  const runSeeds = seeds.length > 0 ? seeds : priorSeeds;
  const record = JSON.stringify({ seeds: runSeeds, config: { ...config, seeds: undefined } });
  if (runSeeds.length === 0 && !imagesOnly && store.queuedCounts().pages === 0) throw noSeeds();
  const run = prior
    ? { id: prior.id, startedAt: prior.started_at, resumed: true, seeds: runSeeds }
    : { id: store.startRun(now, record), startedAt: now, resumed: false, seeds: runSeeds };
  if (prior) store.updateRunConfig(prior.id, record);
  const inFlight = store.resetInFlight();
  // Rows fetched in this run (before a kill) are never stale within it.
  const stale = store.requeueStale(Math.min(now - config.recrawlAfterHours * 3_600_000, run.startedAt));
  const retried = store.requeueTransient(TRANSIENT_REASONS);
  store.addSeeds(runSeeds.map(seedRow), now);
  const what = prior ? `resuming run #${run.id}` : `run #${run.id}`;
  ctx.log.info(
    `crawl: ${what}, ${runSeeds.length} seeds; requeued ${inFlight.pages + inFlight.images} in flight, ` +
      `${stale.pages + stale.images} stale, ${retried.pages + retried.images} to retry`,
  );
  return run;
}

async function crawl(store: CrawlStore, config: CrawlConfig, ctx: StageContext, run: RunInfo, imagesOnly: boolean): Promise<CrawlSummary> {
  const budget = imagesOnly ? 0 : config.maxPages === null ? Infinity : config.maxPages - store.countPagesFetchedSince(run.startedAt);
  let session: CrawlSession;
  try {
    session = openSession(store, config, ctx, run.seeds, budget, imagesOnly);
  } catch (err) {
    throw asRunError(err, ctx.dataDir);
  }
  try {
    await session.scheduler.run(store.queuedHosts()).catch((err: unknown) => {
      throw asRunError(err, ctx.dataDir);
    });
  } finally {
    await session.close();
  }
  reportProgress(session.rt, ctx, true);
  ctx.log.clearProgress();
  const budgetSpent = config.maxPages !== null && store.countPagesFetchedSince(run.startedAt) >= config.maxPages;
  return finishRun(store, run, ctx, session.rt, budgetSpent);
}

/** What stops a run (the store or the image folder cannot be written) as an error with a code and a hint. */
function asRunError(err: unknown, dataDir: string): unknown {
  if (!isStorageError(err)) return err;
  const hint = `check free space and permissions of ${dataDir}; run the same command again to resume`;
  if (err.name === 'SqliteError') return new AlignError('E_STORE', `the store could not be written: ${err.message}`, { hint, cause: err });
  return new AlignError('E_IO', `the image store could not be written: ${err.message}`, { hint, cause: err });
}

function finishRun(store: CrawlStore, run: RunInfo, ctx: StageContext, rt: Runtime, budgetSpent: boolean): CrawlSummary {
  const stoppedBy = ctx.signal.aborted ? 'interrupted' : budgetSpent ? 'max-pages' : 'done';
  const summary = buildSummary({
    store, run: run.id, runStartedAt: run.startedAt, resumed: run.resumed, stoppedBy, counters: rt.counters,
    seconds: (Date.now() - rt.startedAt) / 1000,
  });
  // An interrupted run stays unfinished: the next crawl resumes it and writes the summary then.
  if (!ctx.signal.aborted) store.finishRun(run.id, Date.now(), JSON.stringify(summary));
  return summary;
}
