/**
 * stats: the store → dataset statistics (totals, what the last filter run kept, rejections per
 * filter by first and by any failure, histograms, top hosts), as an object (`--json`) or tables.
 * Reads only; takes no lock.
 */
import { existsSync } from 'node:fs';
import { AlignError } from '../../errors.js';
import { openStore, storePath } from '../../store/db.js';
import { histogramBuckets, StatsStore, type BucketRow, type HostRow, type StoreTotals } from '../../store/filter-stats.js';
import { withdrawalsByReason } from '../../store/withdrawals.js';
import { IngestStore, type SourceCount } from '../../store/ingest.js';
import { FilterConfigSchema, type FilterConfig } from '../../config/filter.js';
import type { StageContext } from '../../util/context.js';
import { collectScoreStats, type ModelScoreStats } from '../../store/scores.js';
import { formatScoreStats } from './score-stats.js';
import { formatCount as n, formatPercent as pct, renderFields, renderTable as table } from './format.js';

export interface StatsOptions {
  /** Hosts listed in `topHosts`. @default 10 */
  topHosts?: number;
  /** The filter config whose thresholds the histogram buckets line up with. @default ALIGN's defaults */
  filter?: FilterConfig;
}

export interface DatasetStats {
  pages: { total: number; fetched: number };
  images: { urls: number; urlsOk: number; urlsFailed: number; distinct: number };
  pairs: { total: number; raw: number };
  /** `<img>` with a non-empty alt that yielded no pair, by reason (`data_uri_only`, `no_usable_url`, ...). */
  imgsNotPaired: Record<string, number>;
  /** The last finished filter run; null before any. */
  filterRun: { id: number; finishedAt: string; configHash: string } | null;
  kept: number;
  rejected: number;
  /** Per filter (and 'duplicate', 'image_failed', 'image_pending'): pairs it was the first failure of, pairs failing it at all. */
  rejections: Record<string, { first: number; any: number }>;
  /** Pairs whose source withdrew consent (noai, gone, robots.txt), by reason: never kept. */
  withdrawn: Record<string, number>;
  histograms: { wordCount: BucketRow[]; shorterSide: BucketRow[]; aspectRatio: BucketRow[] };
  topHosts: HostRow[];
  /** Scores of `align-data score` (null when nothing was scored). */
  modelScores: ModelScoreStats | null;
  /** Pairs and kept pairs by where they came from: 'crawl' or an ingest format (csv, parquet, wat, ...). */
  sources: SourceCount[];
}

export function collectStats(ctx: StageContext, options: StatsOptions = {}): DatasetStats {
  if (!existsSync(storePath(ctx.dataDir))) {
    throw new AlignError('E_NO_DATA', `no store in ${ctx.dataDir}`, { hint: 'run `align-data crawl` first, or pass --data-dir' });
  }
  const db = openStore(ctx.dataDir);
  try {
    const store = new StatsStore(db);
    const t: StoreTotals = store.totals();
    const run = store.lastRun();
    const rejections: DatasetStats['rejections'] = {};
    let kept = 0;
    let decided = 0;
    for (const { reasons, n } of store.reasonLists()) {
      decided += n;
      if (reasons === null) {
        kept += n;
        continue;
      }
      reasons.split(',').forEach((name, i) => {
        const r = (rejections[name] ??= { first: 0, any: 0 });
        r.any += n;
        if (i === 0) r.first += n;
      });
    }
    return {
      pages: { total: t.pages, fetched: t.pagesFetched },
      images: { urls: t.imageUrls, urlsOk: t.imageUrlsOk, urlsFailed: t.imageUrlsFailed, distinct: t.images },
      pairs: { total: t.pairs, raw: t.rawPairs },
      imgsNotPaired: store.imgsNotPaired(),
      filterRun: run?.finishedAt ? { id: run.id, finishedAt: new Date(run.finishedAt).toISOString(), configHash: run.configHash } : null,
      kept,
      rejected: decided - kept,
      rejections,
      withdrawn: withdrawalsByReason(db),
      histograms: histograms(store, options.filter ?? FilterConfigSchema.parse({})),
      topHosts: store.topHosts(options.topHosts ?? 10),
      modelScores: collectScoreStats(db),
      sources: new IngestStore(db).countBySource(),
    };
  } finally {
    db.close();
  }
}

function histograms(store: StatsStore, filter: FilterConfig): DatasetStats['histograms'] {
  const buckets = histogramBuckets({
    minWords: filter.wordCount.min,
    maxWords: filter.wordCount.max,
    minSidePx: filter.imageSize.minSidePx,
    maxRatio: filter.aspectRatio.maxRatio,
  });
  return { wordCount: store.histogram(buckets.wordCount), shorterSide: store.histogram(buckets.shorterSide), aspectRatio: store.histogram(buckets.aspectRatio) };
}

/** The stats as tables for a terminal. */
export function formatStats(s: DatasetStats): string {
  const out: string[] = ['stats'];
  out.push(
    ...renderFields([
      ['pages fetched', `${n(s.pages.fetched)} of ${n(s.pages.total)}`],
      ['image URLs ok', `${n(s.images.urlsOk)} of ${n(s.images.urls)} (${n(s.images.urlsFailed)} failed)`],
      ['images', `${n(s.images.distinct)} distinct (by sha256)`],
      ['pairs', `${n(s.pairs.total)} (${n(s.pairs.raw)} with an ok image)`],
      ['img with alt, no pair', formatReasons(s.imgsNotPaired)],
      ['kept', s.filterRun ? `${n(s.kept)} (${pct(s.kept, s.pairs.total)})` : 'not filtered yet: run `align-data filter`'],
    ]),
  );
  if (s.filterRun) out.push(`  last filter run #${s.filterRun.id} at ${s.filterRun.finishedAt}, config ${s.filterRun.configHash.slice(0, 12)}`);
  const reasons = Object.entries(s.rejections).sort(([, a], [, b]) => b.first - a.first);
  if (reasons.length > 0) {
    out.push('', 'rejections');
    out.push(...table(['reason', 'first failing', 'any failing'], reasons.map(([name, r]) => [name, n(r.first), n(r.any)])));
  }
  const withdrawn = Object.entries(s.withdrawn);
  if (withdrawn.length > 0) {
    out.push('', 'withdrawn consent (the source said noai, went away or was disallowed after its pairs were found)');
    out.push(...table(['reason', 'pairs'], withdrawn.map(([reason, count]) => [reason, n(count)])));
  }
  const hist = (title: string, rows: BucketRow[]): void => {
    out.push('', title);
    out.push(...table(['bucket', 'pairs', 'kept', 'kept %'], rows.map((r) => [r.bucket, n(r.pairs), n(r.kept), pct(r.kept, r.pairs)])));
  };
  hist('word count (pairs with an ok image)', s.histograms.wordCount);
  hist('shorter side, px', s.histograms.shorterSide);
  hist('aspect ratio (long / short side)', s.histograms.aspectRatio);
  if (s.modelScores) out.push(...formatScoreStats(s.modelScores));
  out.push('', 'pairs by source');
  out.push(...table(['source', 'pairs', 'kept'], s.sources.map((r) => [r.source, n(r.pairs), n(r.kept)])));
  out.push('', 'top hosts (by pairs)');
  out.push(...table(['host', 'pages', 'pairs', 'kept'], s.topHosts.map((h) => [h.host, n(h.pages), n(h.pairs), n(h.kept)])));
  return out.join('\n') + '\n';
}

/** `3 (data_uri_only 2, no_usable_url 1)`, or `0`. */
function formatReasons(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  if (entries.length === 0) return '0';
  const total = entries.reduce((sum, [, c]) => sum + c, 0);
  return `${n(total)} (${entries.map(([reason, c]) => `${reason} ${n(c)}`).join(', ')})`;
}
