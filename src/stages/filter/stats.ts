/**
 * stats: the store → dataset statistics (totals, what the last filter run kept, rejections per
 * filter by first and by any failure, histograms, top hosts), as an object (`--json`) or tables.
 * Reads only; takes no lock.
 */
import { existsSync } from 'node:fs';
import { AlignError } from '../../errors.js';
import { openStore, storePath } from '../../store/db.js';
import { histogramBuckets, StatsStore, type BucketRow, type HostRow, type StoreTotals } from '../../store/filter-stats.js';
import { FilterConfigSchema, type FilterConfig } from '../../config/filter.js';
import type { StageContext } from '../../util/context.js';
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
  /** The last finished filter run; null before any. */
  filterRun: { id: number; finishedAt: string; configHash: string } | null;
  kept: number;
  rejected: number;
  /** Per filter (and 'duplicate', 'image_failed', 'image_pending'): pairs it was the first failure of, pairs failing it at all. */
  rejections: Record<string, { first: number; any: number }>;
  histograms: { wordCount: BucketRow[]; shorterSide: BucketRow[]; aspectRatio: BucketRow[] };
  topHosts: HostRow[];
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
      filterRun: run?.finishedAt ? { id: run.id, finishedAt: new Date(run.finishedAt).toISOString(), configHash: run.configHash } : null,
      kept,
      rejected: decided - kept,
      rejections,
      histograms: histograms(store, options.filter ?? FilterConfigSchema.parse({})),
      topHosts: store.topHosts(options.topHosts ?? 10),
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
      ['kept', s.filterRun ? `${n(s.kept)} (${pct(s.kept, s.pairs.total)})` : 'not filtered yet: run `align-data filter`'],
    ]),
  );
  if (s.filterRun) out.push(`  last filter run #${s.filterRun.id} at ${s.filterRun.finishedAt}, config ${s.filterRun.configHash.slice(0, 12)}`);
  const reasons = Object.entries(s.rejections).sort(([, a], [, b]) => b.first - a.first);
  if (reasons.length > 0) {
    out.push('', 'rejections');
    out.push(...table(['reason', 'first failing', 'any failing'], reasons.map(([name, r]) => [name, n(r.first), n(r.any)])));
  }
  const hist = (title: string, rows: BucketRow[]): void => {
    out.push('', title);
    out.push(...table(['bucket', 'pairs', 'kept', 'kept %'], rows.map((r) => [r.bucket, n(r.pairs), n(r.kept), pct(r.kept, r.pairs)])));
  };
  hist('word count (pairs with an ok image)', s.histograms.wordCount);
  hist('shorter side, px', s.histograms.shorterSide);
  hist('aspect ratio (long / short side)', s.histograms.aspectRatio);
  out.push('', 'top hosts (by pairs)');
  out.push(...table(['host', 'pages', 'pairs', 'kept'], s.topHosts.map((h) => [h.host, n(h.pages), n(h.pairs), n(h.kept)])));
  return out.join('\n') + '\n';
}
