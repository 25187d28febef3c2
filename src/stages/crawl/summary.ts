import type { CountRow, CrawlStore } from '../../store/crawl.js';
import type { Counters } from './runtime.js';

/**
 * The crawl summary: plain JSON that the CLI prints (`--json`) and the stage saves in
 * crawl_runs as the run's completion marker. Counts cover the whole run, across a resume
 * (they are read from the store); time and rates cover this invocation.
 */
export interface CrawlSummary {
  run: number;
  resumed: boolean;
  /** 'done': nothing left to fetch; 'max-pages': the budget was spent; 'interrupted': Ctrl-C (run again to resume). */
  stoppedBy: 'done' | 'max-pages' | 'interrupted';
  pagesFetched: number;
  /** Of pagesFetched: revalidated with a 304, what was stored kept. */
  pagesNotModified: number;
  pagesFailed: number;
  pageFailures: Record<string, number>;
  /** Pages whose robots meta or X-Robots-Tag said noai / noimageai: pairs recorded, images not fetched. */
  pagesOptedOut: number;
  sitemapsFetched: number;
  imagesFetched: number;
  imagesNotModified: number;
  imagesFailed: number;
  imageFailures: Record<string, number>;
  pairsFound: number;
  /** `<img>` with a non-empty alt that yielded no pair, by reason (`data_uri_only`, `no_usable_url`, ...): nothing vanishes unseen. */
  imgsNotPaired: Record<string, number>;
  /** Pages and images not fetched because robots.txt disallows them. */
  robotsBlocked: number;
  bytesDownloaded: number;
  /** Left in the frontier for a later run. */
  queuedPages: number;
  queuedImages: number;
  seconds: number;
  pagesPerSecond: number;
  imagesPerSecond: number;
  /** A partitioned run: which share of the hosts, and where I/N came from. */
  partition?: { index: number; count: number; source: string } | null;
  /** Rows recorded for hosts other partitions own (`merge` hands them over). */
  handover?: { pages: number; images: number };
}

export interface SummaryInput {
  store: CrawlStore;
  run: number;
  runStartedAt: number;
  resumed: boolean;
  stoppedBy: CrawlSummary['stoppedBy'];
  counters: Counters;
  seconds: number;
}

export function buildSummary(input: SummaryInput): CrawlSummary {
  const { store, runStartedAt: since } = input;
  const rows = [...store.pageCountsSince(since), ...store.imageCountsSince(since)];
  const pages = tally(rows.filter((r) => r.kind === 'page'));
  const sitemaps = tally(rows.filter((r) => r.kind === 'sitemap'));
  const images = tally(rows.filter((r) => r.kind === 'image'));
  const queued = store.queuedCounts();
  const seconds = Math.max(input.seconds, 1e-3);
  return {
    run: input.run,
    resumed: input.resumed,
    stoppedBy: input.stoppedBy,
    pagesFetched: pages.fetched,
    pagesNotModified: pages.notModified,
    pagesFailed: sum(pages.failures),
    pageFailures: pages.failures,
    pagesOptedOut: store.pagesOptedOutSince(since),
    sitemapsFetched: sitemaps.fetched,
    imagesFetched: images.fetched,
    imagesNotModified: images.notModified,
    imagesFailed: sum(images.failures),
    imageFailures: images.failures,
    pairsFound: store.pairsFoundSince(since),
    imgsNotPaired: store.imgsNotPairedSince(since),
    robotsBlocked: pages.robotsBlocked + sitemaps.robotsBlocked + images.robotsBlocked,
    bytesDownloaded: pages.bytes + sitemaps.bytes + images.bytes,
    queuedPages: queued.pages,
    queuedImages: queued.images,
    seconds: round(seconds),
    pagesPerSecond: round(input.counters.pagesFetched / seconds),
    imagesPerSecond: round(input.counters.imagesFetched / seconds),
  };
}

interface Tally {
  fetched: number;
  notModified: number;
  failures: Record<string, number>;
  robotsBlocked: number;
  bytes: number;
}

function tally(rows: CountRow[]): Tally {
  const t: Tally = { fetched: 0, notModified: 0, failures: {}, robotsBlocked: 0, bytes: 0 };
  for (const r of rows) {
    if (r.error === 'robots_disallowed') t.robotsBlocked += r.n;
    else if (r.status === 'done' || r.status === 'ok') {
      t.fetched += r.n;
      if (r.not_modified) t.notModified += r.n;
    } else if (r.status === 'failed' || r.status === 'skipped') {
      const reason = r.error ?? 'unknown';
      t.failures[reason] = (t.failures[reason] ?? 0) + r.n;
    }
    if (!r.not_modified) t.bytes += r.bytes;
  }
  t.failures = Object.fromEntries(Object.entries(t.failures).sort(([a], [b]) => a.localeCompare(b)));
  return t;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
