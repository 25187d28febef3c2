/**
 * refresh: the dataset kept fresh from cron, in one process (the CLI holds the data-dir lock).
 *
 * crawl (the remembered seeds; new pages, and stale pages and images refetched conditionally)
 * → filter (which records the pairs whose source withdrew consent and keeps none of them)
 * → shard (first the shards holding withdrawn samples are rewritten without them, then new kept
 * pairs go into new shards) → optionally the quality gates. Every run is a row of refresh_runs
 * with its exit code and summary.
 *
 * `refresh.maxMinutes` is a budget for the whole run: the crawl stops when its share is spent
 * (an interrupted crawl run that the next refresh resumes: the frontier is kept), filter runs,
 * and shard starts no new sample after the deadline. Withdrawals are not cut by the budget.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { AlignError, EXIT, usageError } from '../errors.js';
import { runCrawl } from '../stages/crawl/index.js';
import { resolveSeeds } from '../stages/crawl/seeds.js';
import { runFilter } from '../stages/filter/index.js';
import { runShard } from '../stages/shard/index.js';
import { storePath } from '../store/db.js';
import { openRefreshStore, type LastRefresh, type RefreshStore } from '../store/refresh.js';
import type { StageContext } from '../util/context.js';
import { buildSummary, type RefreshSummary, type StageResults } from './refresh-summary.js';

export { formatRefreshSummary, type RefreshSummary } from './refresh-summary.js';

/** The quality gates over the data dir (`align-data check`): `passed` false makes the run exit 3. */
async function checkGates(config: Config, ctx: StageContext): ReturnType<RefreshCheck> {
  const { runCheck } = await import('../stages/check/index.js');
  const summary = await runCheck(config, ctx);
  return { passed: summary.passed, summary: { ...summary } };
}

/** The gates `--check` runs: `passed` false makes the run exit 3. */
export type RefreshCheck = (ctx: StageContext) => Promise<{ passed: boolean; summary: Record<string, unknown> }>;

export interface RefreshOptions {
  /** Where relative `filter.custom` module paths resolve. @default process.cwd() */
  baseDir?: string;
  /** Run the quality gates after the run (`--check`). @default false */
  runCheck?: boolean;
  /** The gates to run. @default the check stage over the data dir */
  check?: RefreshCheck;
}

export interface RefreshResult {
  summary: RefreshSummary;
  exitCode: number;
}

export async function runRefresh(config: Config, ctx: StageContext, options: RefreshOptions = {}): Promise<RefreshResult> {
  if (options.runCheck && !options.check) options = { ...options, check: (c) => checkGates(config, c) };
  const given = resolveSeeds(config.crawl.seeds, config.crawl.seedsFile);
  if (given.length === 0 && !existsSync(storePath(ctx.dataDir))) throw noSeeds();
  const store = openRefreshStore(ctx.dataDir);
  try {
    const started = new Date();
    if (given.length > 0) store.rememberSeeds(given, started);
    const seeds = store.seeds();
    if (seeds.length === 0) throw noSeeds();
    const runId = store.startRun(started);
    try {
      const result = await refreshStages(store, config, ctx, options, { id: runId, seeds, startedAt: started.getTime() });
      store.finishRun(runId, new Date(), result.exitCode, result.summary);
      return result;
    } catch (err) {
      const exitCode = err instanceof AlignError ? err.exitCode : EXIT.runtime;
      const error = err instanceof AlignError ? `${err.code}: ${err.message}` : String(err);
      store.finishRun(runId, new Date(), exitCode, { run: runId, exitCode, error });
      throw err;
    }
  } finally {
    store.close();
  }
}

function noSeeds(): AlignError {
  return usageError('no seeds: give --seeds URL... or --seeds-file FILE once; later runs remember them', 'e.g. align-data refresh --seeds https://example.com/');
}

interface RunInfo {
  id: number;
  seeds: string[];
  startedAt: number;
}

async function refreshStages(store: RefreshStore, config: Config, ctx: StageContext, options: RefreshOptions, run: RunInfo): Promise<RefreshResult> {
  const budget = planBudget(config.refresh, run.startedAt, postCrawlMs(store.lastGoodRun()));
  store.snapshotPages();
  const crawlSignal = budget ? AbortSignal.any([ctx.signal, AbortSignal.timeout(budget.crawlStopAt - run.startedAt)]) : ctx.signal;
  ctx.log.info(`refresh: run #${run.id}, ${run.seeds.length} seeds${budget ? `, crawling for at most ${((budget.crawlStopAt - run.startedAt) / 60_000).toFixed(1)} min` : ''}`);
  const crawl = await runCrawl({ ...config.crawl, seeds: run.seeds, seedsFile: null }, { ...ctx, signal: crawlSignal });
  const stoppedBy = ctx.signal.aborted ? 'interrupted' : crawlSignal.aborted ? 'max-minutes' : 'done';
  const times = { start: run.startedAt, crawl: Date.now(), filter: 0, shard: 0, check: 0 };
  const results: StageResults = { crawl, filter: null, shard: null, check: null, times };
  if (!ctx.signal.aborted) {
    results.filter = await runFilter(config.filter, ctx, { baseDir: options.baseDir ?? process.cwd() });
    times.filter = Date.now();
    // A site with no pairs at all is not an error for a cron job: there is just nothing to shard.
    if (results.filter.pairs > 0) results.shard = await runShard(config.shard, ctx, { withdraw: true, stopAt: budget?.deadline });
    times.shard = Date.now();
    if (options.runCheck && options.check && !ctx.signal.aborted) results.check = await options.check(ctx);
  }
  times.filter ||= times.crawl;
  times.shard ||= times.filter;
  times.check = Date.now();
  const exitCode = ctx.signal.aborted ? EXIT.interrupted : results.check && !results.check.passed ? EXIT.gate : EXIT.ok;
  const budgetInfo = budget && { maxMinutes: config.refresh.maxMinutes!, crawlMinutes: (budget.crawlStopAt - run.startedAt) / 60_000 };
  const summary = buildSummary(store, { id: run.id, seeds: run.seeds.length, exitCode, stoppedBy, budget: budgetInfo }, results);
  return { summary, exitCode };
}

export interface Budget {
  /** Unix ms: no new shard sample after it. */
  deadline: number;
  /** Unix ms: the crawl stops here, leaving the rest for filter and shard. */
  crawlStopAt: number;
}

/**
 * The crawl's share of `maxMinutes`: what is left after a reserve for filter and shard, at least
 * `reserveFraction` of the budget, more when the last run's filter and shard took longer (half again
 * their time, as the dataset grows), at most 0.9 of it. Null without a budget.
 */
export function planBudget(
  refresh: { maxMinutes: number | null; reserveFraction: number },
  startedAt: number,
  lastPostCrawlMs: number,
): Budget | null {
  if (refresh.maxMinutes === null) return null;
  const total = refresh.maxMinutes * 60_000;
  const reserve = Math.min(0.9 * total, Math.max(refresh.reserveFraction * total, 1.5 * lastPostCrawlMs));
  return { deadline: startedAt + total, crawlStopAt: startedAt + total - reserve };
}

/** How long filter and shard took in the last good run, ms (0 when unknown). */
function postCrawlMs(last: LastRefresh | undefined): number {
  const seconds = last?.summary?.seconds as { filter?: number; shard?: number } | undefined;
  return 1000 * ((seconds?.filter ?? 0) + (seconds?.shard ?? 0));
}
