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
 * charset.ts, extract.ts and sitemap.ts, image-task.ts with probe.ts and image-store.ts.
 */
import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import type { CrawlConfig } from '../../config/crawl.js';
import { usageError } from '../../errors.js';
import { CrawlStore } from '../../store/crawl.js';
import { openStore, storePath } from '../../store/db.js';
import type { StageContext } from '../../util/context.js';
import { packageVersion } from '../../util/version.js';
import { Fetcher } from './fetcher.js';
import { HostTable } from './hosts.js';
import { HttpClient } from './http.js';
import { ImageStore } from './image-store.js';
import { fetchRobots, makeBeforeRequest, useCachedRobots } from './robots-task.js';
import { newCounters, type Runtime } from './runtime.js';
import { Scheduler } from './scheduler.js';
import { makeScope } from './scope.js';
import { resolveSeeds, seedRow } from './seeds.js';
import { buildSummary, type CrawlSummary } from './summary.js';
import { ResultWriter } from './writer.js';

export type { CrawlSummary } from './summary.js';

/** Failure reasons a later run tries again (the rest wait until the row is stale). */
const TRANSIENT_REASONS = [
  'timeout', 'connect_failed', 'connection_reset', 'truncated', 'robots_unavailable',
  'http_408', 'http_429', 'http_500', 'http_502', 'http_503', 'http_504',
];

function noSeeds(): Error {
  return usageError('no seeds: give --seeds URL... or --seeds-file FILE', 'e.g. align-data crawl --seeds https://example.com/');
}

export function userAgent(config: CrawlConfig): string {
  return `align-data/${packageVersion()} (+${config.contactUrl})`;
}

export async function runCrawl(config: CrawlConfig, ctx: StageContext): Promise<CrawlSummary> {
  const seeds = resolveSeeds(config.seeds, config.seedsFile);
  if (seeds.length === 0 && !existsSync(storePath(ctx.dataDir))) throw noSeeds();
  const db = openStore(ctx.dataDir);
  try {
    const store = new CrawlStore(db);
    const run = startRun(store, config, seeds, ctx);
    return await crawl(store, config, ctx, run);
  } finally {
    db.close();
  }
}

interface RunInfo {
  id: number;
  startedAt: number;
  resumed: boolean;
  seeds: string[];
}

/** Resumes the unfinished run if there is one, puts killed and stale rows back in the queue, adds the seeds. */
function startRun(store: CrawlStore, config: CrawlConfig, seeds: string[], ctx: StageContext): RunInfo {
  const now = Date.now();
  const prior = store.findUnfinishedRun();
  const priorSeeds = prior?.config ? ((JSON.parse(prior.config) as { seeds?: string[] }).seeds ?? []) : [];
  const runSeeds = seeds.length > 0 ? seeds : priorSeeds;
  const record = JSON.stringify({ seeds: runSeeds, config: { ...config, seeds: undefined } });
  if (runSeeds.length === 0 && store.queuedCounts().pages === 0) throw noSeeds();
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

async function crawl(store: CrawlStore, config: CrawlConfig, ctx: StageContext, run: RunInfo): Promise<CrawlSummary> {
  const started = Date.now();
  // Every request listens to the run's signal: a signal of our own, fed by ctx.signal, may have many listeners.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = (): void => stop.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  const http = new HttpClient({
    userAgent: userAgent(config),
    connectTimeoutMs: config.connectTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    deadlineMs: config.requestDeadlineMs,
  });
  const hosts = new HostTable(store, config.perHostConcurrency, config.minDelayMs);
  const policy = {
    maxRedirects: config.maxRedirects,
    retries: config.retries,
    retryBaseDelayMs: config.retryBaseDelayMs,
    defaultRetryAfterMs: config.defaultRetryAfterSeconds * 1000,
    maxRetryAfterMs: config.maxRetryAfterSeconds * 1000,
  };
  const counters = newCounters();
  // The hook of the page/image fetcher loads robots.txt of a host a redirect leads to.
  const loadRobotsForHop = async (h: Parameters<typeof fetchRobots>[2], protocol: string): Promise<void> => {
    const cached = useCachedRobots(rt, h, protocol);
    if (cached) return scheduler.activate(cached);
    const release = await h.acquire(stop.signal);
    try {
      scheduler.activate(await fetchRobots(rt, hosts, h, protocol));
    } finally {
      release();
    }
  };
  const writer = new ResultWriter(store, { onError: (err) => scheduler.fail(err), afterFlush: () => scheduler.pump() });
  const rt: Runtime = {
    config,
    store,
    writer,
    discovered: (found) => scheduler.activate(found),
    fetcher: new Fetcher(http, policy, makeBeforeRequest(hosts, true, loadRobotsForHop)),
    robotsFetcher: new Fetcher(http, policy, makeBeforeRequest(hosts, false, loadRobotsForHop)),
    images: new ImageStore(ctx.dataDir),
    scope: makeScope(config.scope, run.seeds),
    counters,
    signal: stop.signal,
    log: ctx.log,
  };
  const budget = config.maxPages === null ? Infinity : config.maxPages - store.countPagesFetchedSince(run.startedAt);
  const progress = (force = false): void => {
    const s = (Date.now() - started) / 1000 || 1e-3;
    const errors = counters.pagesFailed + counters.imagesFailed;
    const fields = { pages: counters.pagesFetched, images: counters.imagesFetched, pairs: counters.pairs, errors };
    ctx.log.progress('crawl', { ...fields, 'pages/s': counters.pagesFetched / s, 'images/s': counters.imagesFetched / s }, force);
  };
  const scheduler = new Scheduler(rt, hosts, budget, () => progress());
  try {
    await scheduler.run(store.queuedHosts());
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await http.close().catch(() => undefined);
    writer.flush();
    store.resetInFlight();
  }
  progress(true);
  ctx.log.clearProgress();
  return finishRun(store, run, ctx, counters, started, config.maxPages !== null && store.countPagesFetchedSince(run.startedAt) >= config.maxPages);
}

function finishRun(
  store: CrawlStore,
  run: RunInfo,
  ctx: StageContext,
  counters: Runtime['counters'],
  started: number,
  budgetSpent: boolean,
): CrawlSummary {
  const stoppedBy = ctx.signal.aborted ? 'interrupted' : budgetSpent ? 'max-pages' : 'done';
  const summary = buildSummary({
    store, run: run.id, runStartedAt: run.startedAt, resumed: run.resumed, stoppedBy, counters,
    seconds: (Date.now() - started) / 1000,
  });
  // An interrupted run stays unfinished: the next crawl resumes it and writes the summary then.
  if (!ctx.signal.aborted) store.finishRun(run.id, Date.now(), JSON.stringify(summary));
  return summary;
}
