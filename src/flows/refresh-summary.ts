import type { CrawlSummary } from '../stages/crawl/index.js';
import type { FilterSummary } from '../stages/filter/index.js';
import type { ShardSummary } from '../stages/shard/index.js';
import type { PageDeltas, RefreshStore } from '../store/refresh.js';
import { formatSummary } from '../util/format.js';

/**
 * What a refresh run did, as deltas (what cron mail and the report page show) and the summaries
 * of its stages. Saved as refresh_runs.summary_json; `--json` prints it.
 */
export interface RefreshSummary {
  run: number;
  startedAt: string;
  endedAt: string;
  exitCode: number;
  /** 'max-minutes': the crawl stopped at its share of the budget; the frontier waits for the next run. */
  stoppedBy: 'done' | 'max-minutes' | 'interrupted';
  seeds: number;
  pages: PageDeltas;
  pairs: { new: number };
  kept: { new: number; total: number };
  /** Pairs whose source withdrew consent, recorded by this run (a page or image that now says noai, is gone, or disallowed). */
  withdrawn: number;
  withdrawnByReason: Record<string, number>;
  /** Samples removed from published shards by this run. */
  samplesWithdrawn: number;
  shards: { written: number; rewritten: number; rewriteFailed: string[]; samplesWritten: number; total: number; totalSamples: number };
  /** Rows still queued: where the next run starts. */
  frontier: { pages: number; images: number };
  seconds: { crawl: number; filter: number; shard: number; check: number; total: number };
  budget: { maxMinutes: number; crawlMinutes: number } | null;
  check: Record<string, unknown> | null;
  stages: { crawl: CrawlSummary; filter: FilterSummary | null; shard: ShardSummary | null };
}

export interface StageResults {
  crawl: CrawlSummary;
  filter: FilterSummary | null;
  shard: ShardSummary | null;
  check: { passed: boolean; summary: Record<string, unknown> } | null;
  /** Unix ms at the start, and as each stage ended. */
  times: { start: number; crawl: number; filter: number; shard: number; check: number };
}

export function buildSummary(
  store: RefreshStore,
  run: { id: number; seeds: number; exitCode: number; stoppedBy: RefreshSummary['stoppedBy']; budget: RefreshSummary['budget'] },
  r: StageResults,
): RefreshSummary {
  const t = r.times;
  const s = (from: number, to: number): number => Math.round(to - from) / 1000;
  return {
    run: run.id,
    startedAt: new Date(t.start).toISOString(),
    endedAt: new Date(t.check).toISOString(),
    exitCode: run.exitCode,
    stoppedBy: run.stoppedBy,
    seeds: run.seeds,
    pages: store.pageDeltas(t.start),
    pairs: { new: store.pairsFoundSince(t.start) },
    kept: { new: r.filter ? store.newlyKept(r.filter.runId) : 0, total: r.filter?.kept ?? 0 },
    withdrawn: r.filter?.withdrawn.new ?? 0,
    withdrawnByReason: store.withdrawnSince(t.start),
    samplesWithdrawn: r.shard?.withdrawn?.samplesRemoved ?? 0,
    shards: {
      written: r.shard?.shardsWritten ?? 0,
      rewritten: r.shard?.withdrawn?.shardsRewritten.length ?? 0,
      rewriteFailed: r.shard?.withdrawn?.failed ?? [],
      samplesWritten: r.shard?.samplesWritten ?? 0,
      total: r.shard?.totalShards ?? 0,
      totalSamples: r.shard?.totalSamples ?? 0,
    },
    frontier: store.frontier(),
    seconds: { crawl: s(t.start, t.crawl), filter: s(t.crawl, t.filter), shard: s(t.filter, t.shard), check: s(t.shard, t.check), total: s(t.start, t.check) },
    budget: run.budget,
    check: r.check?.summary ?? null,
    stages: { crawl: r.crawl, filter: r.filter, shard: r.shard },
  };
}

/** The deltas on a terminal; the stages' own summaries are in `--json`. */
export function formatRefreshSummary(summary: RefreshSummary): string {
  const { stages: _stages, ...deltas } = summary;
  return formatSummary('refresh', { ...deltas });
}
