/** Everything the report shows, read from the store in one go (read-only). */
import { FilterConfigSchema, type FilterConfig } from '../../config/filter.js';
import type { Db } from '../../store/db.js';
import { type HostRow, StatsStore, type StoreTotals } from '../../store/filter-stats.js';
import { IngestStore, type SourceCount } from '../../store/ingest.js';
import { type FailureRow, type RefreshRun, ReportStore, type SheetPair, type ValueRow } from '../../store/report.js';
import { collectScoreStats, type ModelScoreStats } from '../../store/scores.js';

/** Pairs shown on each contact sheet: enough to see what the data is, few enough for a light page. */
export const SHEET_SIZE = 24;
const TOP_HOSTS = 15;
const RUNS_LISTED = 10;

export interface CrawlRunRow {
  id: number;
  startedAt: string;
  seconds: number | null;
  pagesFetched: number | null;
  imagesFetched: number | null;
  pagesFailed: number | null;
  imagesFailed: number | null;
  pagesPerSecond: number | null;
  imagesPerSecond: number | null;
}

export interface ReportData {
  totals: StoreTotals;
  filterRun: { id: number; finishedAt: string } | null;
  kept: number;
  rejected: number;
  rejections: Record<string, { first: number; any: number }>;
  distributions: Record<'wordCount' | 'shorterSide' | 'aspectRatio', ValueRow[]>;
  filter: FilterConfig;
  topHosts: HostRow[];
  failures: FailureRow[];
  crawlRuns: CrawlRunRow[];
  shards: { split: string; shards: number; samples: number; bytes: number }[];
  keptSheet: SheetPair[];
  rejectedSheet: SheetPair[];
  /** The latest `align-data refresh` runs, newest first. */
  refreshRuns: RefreshRun[];
  /** Pairs and kept pairs by where they came from: 'crawl' or an ingest format. */
  sources: SourceCount[];
  /** The pair scores of `align-data score` (null: nothing scored). */
  modelScores: ModelScoreStats | null;
}

/** Values past these are drawn in the last bin, so one huge image does not squash the chart. */
export const CAPS = { wordCount: 60, shorterSide: 1200, aspectRatio: 6 } as const;

export function collectReportData(db: Db, fallbackFilter: FilterConfig): ReportData {
  const stats = new StatsStore(db);
  const store = new ReportStore(db);
  const run = stats.lastRun();
  const { kept, rejected, rejections } = tallyReasons(stats.reasonLists());
  return {
    totals: stats.totals(),
    filterRun: run?.finishedAt ? { id: run.id, finishedAt: new Date(run.finishedAt).toISOString() } : null,
    kept,
    rejected,
    rejections,
    distributions: {
      wordCount: store.distribution('wordCount', CAPS.wordCount),
      shorterSide: store.distribution('shorterSide', CAPS.shorterSide),
      aspectRatio: store.distribution('aspectRatio', CAPS.aspectRatio),
    },
    filter: filterConfigOf(store.lastFilterConfig(), fallbackFilter),
    topHosts: stats.topHosts(TOP_HOSTS),
    failures: store.failures(),
    crawlRuns: store.crawlRuns(RUNS_LISTED).map(crawlRunRow),
    shards: store.shardTotals(),
    keptSheet: store.keptSample(SHEET_SIZE),
    rejectedSheet: store.rejectedSample(SHEET_SIZE),
    refreshRuns: store.refreshRuns(RUNS_LISTED),
    sources: new IngestStore(db).countBySource(),
    modelScores: collectScoreStats(db),
  };
}

function tallyReasons(lists: { reasons: string | null; n: number }[]): Pick<ReportData, 'kept' | 'rejected' | 'rejections'> {
  const rejections: ReportData['rejections'] = {};
  let kept = 0;
  let rejected = 0;
  for (const { reasons, n } of lists) {
    if (reasons === null) {
      kept += n;
      continue;
    }
    rejected += n;
    reasons.split(',').forEach((name, i) => {
      const r = (rejections[name] ??= { first: 0, any: 0 });
      r.any += n;
      if (i === 0) r.first += n;
    });
  }
  return { kept, rejected, rejections };
}

/** The thresholds the last filter run used (what the decisions were made with), else the config's. */
function filterConfigOf(json: string | null, fallback: FilterConfig): FilterConfig {
  if (!json) return fallback;
  try {
    const parsed = FilterConfigSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

function crawlRunRow(r: { id: number; startedAt: number; finishedAt: number; summary: string | null }): CrawlRunRow {
  let s: Record<string, unknown> = {};
  try {
    s = r.summary ? (JSON.parse(r.summary) as Record<string, unknown>) : {};
  } catch {
    // A damaged summary costs its figures only.
  }
  const num = (k: string): number | null => (typeof s[k] === 'number' ? (s[k] as number) : null);
  return {
    id: r.id,
    startedAt: new Date(r.startedAt).toISOString(),
    seconds: num('seconds'),
    pagesFetched: num('pagesFetched'),
    imagesFetched: num('imagesFetched'),
    pagesFailed: num('pagesFailed'),
    imagesFailed: num('imagesFailed'),
    pagesPerSecond: num('pagesPerSecond'),
    imagesPerSecond: num('imagesPerSecond'),
  };
}
