import { prepareCrawlStatements } from './crawl-statements.js';
import type { Db } from './db.js';

/**
 * The crawl stage's SQL: the frontier (pages), image URLs, blobs, pairs, hosts and runs.
 * Every statement is prepared once; each result is written in one transaction (no await
 * inside), so a kill -9 leaves either the whole result of an item or none of it.
 */

/** A frontier row the scheduler claimed (status 'fetching' until its result is written). */
export interface ClaimedPage {
  id: number;
  url: string;
  host: string;
  depth: number;
  kind: 'page' | 'sitemap';
  etag: string | null;
  last_modified: string | null;
  attempts: number;
}

export interface ClaimedImage {
  id: number;
  url: string;
  host: string;
  sha256: string | null;
  etag: string | null;
  last_modified: string | null;
  attempts: number;
}

export interface HostRow {
  host: string;
  robots_txt: string | null;
  robots_status: number | null;
  robots_fetched_at: number | null;
  crawl_delay_ms: number | null;
  backoff_until: number | null;
}

/** A URL found on a page or in a sitemap. */
export interface NewPage {
  url: string;
  host: string;
  depth: number;
  kind: 'page' | 'sitemap';
}

/** An image/alt pair found on a page, alt already normalised. */
export interface NewPair {
  imageUrl: string;
  imageHost: string;
  altRaw: string;
  altNorm: string;
  altKey: string;
  wordCount: number;
}

export interface PageResult {
  httpStatus: number;
  finalUrl: string;
  contentType: string | null;
  charset: string | null;
  bytes: number;
  etag: string | null;
  lastModified: string | null;
  optOut: string | null;
  kind: 'page' | 'sitemap';
  attempts: number;
  links: NewPage[];
  pairs: NewPair[];
  /** Images of an opted-out page are recorded but not fetched (status failed, error page_opt_out). */
  skipImages: boolean;
  /** `<img>` with a non-empty alt that yielded no pair, by reason (replaces what the page had). @default {} */
  imgsNotPaired?: Record<string, number>;
}

export interface ImageResult {
  httpStatus: number;
  sha256: string;
  bytes: number;
  format: string;
  width: number;
  height: number;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
  attempts: number;
}

export interface Failure {
  reason: string;
  httpStatus: number | null;
  attempts: number;
  /** Sets the opt_out column (an image whose response said noai). */
  optOut?: string | null;
  bytes?: number | null;
}

/** What a write discovered: hosts that now have queued rows, and how many pairs were new. */
export interface Discovered {
  hosts: Set<string>;
  newPairs: number;
}

/** Rows fetched in a run, grouped: what the summary is built from. */
export interface CountRow {
  kind: 'page' | 'sitemap' | 'image';
  status: string;
  error: string | null;
  /** 1 when the last response was a 304 (its bytes were not downloaded again). */
  not_modified: number;
  n: number;
  bytes: number;
}

export interface CrawlRunRow {
  id: number;
  started_at: number;
  config: string | null;
}

export class CrawlStore {
  private readonly s;
  /** A partitioned run owns some hosts: rows on the others are recorded for their owner (status 'handover'). */
  private owns: (host: string) => boolean = () => true;

  constructor(readonly db: Db) {
    // A crawl commits a batch every few ms; checkpointing the WAL every 1000 pages (the default)
    // made fsyncs a visible share of the run. The WAL is checkpointed when the store closes.
    db.pragma('wal_autocheckpoint = 8000');
    this.s = prepareCrawlStatements(db);
  }

  /** From now on, pages and images on hosts this predicate refuses are recorded as 'handover', not queued. */
  setOwnership(owns: (host: string) => boolean): void {
    this.owns = owns;
  }

  ownsHost(host: string): boolean {
    return this.owns(host);
  }

  /** Rows recorded for other partitions' hosts. */
  handoverCounts(): { pages: number; images: number } {
    return this.s.handoverCounts.get() as { pages: number; images: number };
  }

  /** Inserts a found URL: queued when this run owns its host (returns true when the row is new), else recorded for its owner. */
  private insertFound(page: NewPage, now: number): boolean {
    if (!this.owns(page.host)) {
      this.s.insertForeignPage.run({ ...page, now });
      return false;
    }
    return this.s.insertPage.run({ ...page, now }).changes > 0;
  }

  /** Runs several of the calls below as one transaction (theirs become savepoints). */
  inTransaction(work: () => void): void {
    this.db.transaction(work)();
  }

  /** Rows left 'fetching' by a killed run go back to the frontier. */
  resetInFlight(): { pages: number; images: number } {
    return this.db.transaction(() => ({
      pages: this.s.resetPages.run().changes,
      images: this.s.resetImages.run().changes,
    }))();
  }

  /** Rows fetched before `cutoff` are queued again; their ETag/Last-Modified make the refetch conditional. */
  requeueStale(cutoff: number): { pages: number; images: number } {
    return this.db.transaction(() => ({
      pages: this.s.requeueStalePages.run(cutoff).changes,
      images: this.s.requeueStaleImages.run(cutoff).changes,
    }))();
  }

  /** Rows that failed for a reason worth another try (a timeout, a 503) are queued again. */
  requeueTransient(reasons: readonly string[]): { pages: number; images: number } {
    const list = JSON.stringify(reasons);
    return this.db.transaction(() => ({
      pages: this.s.requeueTransientPages.run(list).changes,
      images: this.s.requeueTransientImages.run(list).changes,
    }))();
  }

  /** Seeds join the frontier at depth 0 (a seed already known as a deeper link is moved up). */
  addSeeds(seeds: NewPage[], now: number): Set<string> {
    return this.db.transaction(() => {
      const owned = seeds.filter((seed) => this.owns(seed.host));
      for (const seed of seeds) {
        if (this.owns(seed.host)) this.s.insertSeed.run({ ...seed, now });
        else this.s.insertForeignPage.run({ ...seed, depth: 0, now });
      }
      return new Set(owned.map((s) => s.host));
    })();
  }

  /** URLs found outside a page (robots.txt `Sitemap:` lines); returns the hosts that got new rows. */
  addPages(pages: NewPage[], now: number): Set<string> {
    return this.db.transaction(() => {
      const hosts = new Set<string>();
      for (const page of pages) if (this.insertFound(page, now)) hosts.add(page.host);
      return hosts;
    })();
  }

  /** Hosts with queued pages or images. */
  queuedHosts(): string[] {
    return (this.s.queuedHosts.all() as { host: string }[]).map((r) => r.host);
  }

  /** Claims up to `limit` queued rows of a host, shallowest first; `sitemapsOnly` when the page budget is spent. */
  claimPages(host: string, limit: number, sitemapsOnly = false): ClaimedPage[] {
    const stmt = sitemapsOnly ? this.s.claimSitemaps : this.s.claimPages;
    // RETURNING gives rows in no set order: put them back in the frontier's.
    return (stmt.all(host, limit) as ClaimedPage[]).sort((a, b) => a.depth - b.depth || a.id - b.id);
  }

  claimImages(host: string, limit: number): ClaimedImage[] {
    return (this.s.claimImages.all(host, limit) as ClaimedImage[]).sort((a, b) => a.id - b.id);
  }

  /** Claimed rows that were not fetched (the run stopped) go back to the frontier. */
  unclaim(pageIds: number[], imageIds: number[]): void {
    this.db.transaction(() => {
      for (const id of pageIds) this.s.unclaimPage.run(id);
      for (const id of imageIds) this.s.unclaimImage.run(id);
    })();
  }

  getHost(host: string): HostRow | undefined {
    return this.s.getHost.get(host) as HostRow | undefined;
  }

  saveRobots(host: string, robotsTxt: string | null, status: number, crawlDelayMs: number | null, now: number): void {
    this.s.saveRobots.run({ host, robotsTxt, status, crawlDelayMs, now });
  }

  saveBackoff(host: string, until: number): void {
    this.s.saveBackoff.run({ host, until });
  }

  hasBlob(sha256: string): boolean {
    return this.s.hasBlob.get(sha256) !== undefined;
  }

  /** A fetched page or sitemap: its row, the URLs it links to, its pairs and their image rows. */
  recordPageDone(id: number, r: PageResult, now: number): Discovered {
    return this.db.transaction((): Discovered => {
      this.s.pageDone.run({
        id, now, httpStatus: r.httpStatus, finalUrl: r.finalUrl, contentType: r.contentType, charset: r.charset,
        bytes: r.bytes, etag: r.etag, lastModified: r.lastModified, optOut: r.optOut, kind: r.kind,
        attempts: r.attempts, pairsFound: r.pairs.length,
      });
      const hosts = new Set<string>();
      for (const link of r.links) if (this.insertFound(link, now)) hosts.add(link.host);
      let newPairs = 0;
      for (const pair of r.pairs) {
        const status = r.skipImages ? 'failed' : this.owns(pair.imageHost) ? 'queued' : 'handover';
        const error = r.skipImages ? 'page_opt_out' : null;
        const upsert = this.s.upsertImage.run({ url: pair.imageUrl, host: pair.imageHost, status, error, now });
        if (upsert.changes > 0 && status === 'queued') hosts.add(pair.imageHost);
        const image = this.s.imageId.get(pair.imageUrl) as { id: number };
        newPairs += this.s.insertPair.run({ pageId: id, imageId: image.id, ...pair, now }).changes;
      }
      this.s.clearNotPaired.run(id);
      for (const [reason, n] of Object.entries(r.imgsNotPaired ?? {})) if (n > 0) this.s.insertNotPaired.run(id, reason, n);
      return { hosts, newPairs };
    })();
  }

  /** A 304: what was stored stays; only the fetch time moves. */
  recordPageNotModified(id: number, attempts: number, now: number): void {
    this.s.pageNotModified.run({ id, attempts, now });
  }

  recordPageFailed(id: number, f: Failure, now: number, status: 'failed' | 'skipped' = 'failed'): void {
    this.s.pageFailed.run({ id, status, reason: f.reason, httpStatus: f.httpStatus, attempts: f.attempts, now });
  }

  /**
   * The URL a redirect ended at is recorded (status skipped) so a link to it later is not
   * fetched a second time; an existing row is left alone.
   */
  recordRedirectTarget(target: NewPage, now: number): void {
    this.s.insertRedirectTarget.run({ ...target, now });
  }

  recordImageOk(id: number, r: ImageResult, now: number): void {
    this.db.transaction(() => {
      this.s.insertBlob.run({ sha256: r.sha256, bytes: r.bytes, format: r.format, width: r.width, height: r.height, now });
      this.s.imageOk.run({
        id, now, sha256: r.sha256, httpStatus: r.httpStatus, contentType: r.contentType, etag: r.etag,
        lastModified: r.lastModified, attempts: r.attempts, bytes: r.bytes,
      });
    })();
  }

  recordImageNotModified(id: number, attempts: number, now: number): void {
    this.s.imageNotModified.run({ id, attempts, now });
  }

  recordImageFailed(id: number, f: Failure, now: number): void {
    this.s.imageFailed.run({
      id, reason: f.reason, httpStatus: f.httpStatus, attempts: f.attempts, optOut: f.optOut ?? null, bytes: f.bytes ?? null, now,
    });
  }

  findUnfinishedRun(): CrawlRunRow | undefined {
    return this.s.unfinishedRun.get() as CrawlRunRow | undefined;
  }

  startRun(now: number, config: string): number {
    return Number(this.s.startRun.run(now, config).lastInsertRowid);
  }

  updateRunConfig(id: number, config: string): void {
    this.s.updateRunConfig.run(config, id);
  }

  /** Writes the summary and the finish time: the run's completion marker. */
  finishRun(id: number, now: number, summary: string): void {
    this.s.finishRun.run(now, summary, id);
  }

  /** Pages (not sitemaps) fetched since `since`: what --max-pages counts, across a resume. */
  countPagesFetchedSince(since: number): number {
    return (this.s.pagesFetchedSince.get(since) as { n: number }).n;
  }

  pageCountsSince(since: number): CountRow[] {
    return this.s.pageCounts.all(since) as CountRow[];
  }

  imageCountsSince(since: number): CountRow[] {
    return this.s.imageCounts.all(since) as CountRow[];
  }

  pagesOptedOutSince(since: number): number {
    return (this.s.optedOutSince.get(since) as { n: number }).n;
  }

  /** `<img>` with an alt that yielded no pair on the pages fetched since `since`, by reason. */
  imgsNotPairedSince(since: number): Record<string, number> {
    const rows = this.s.notPairedSince.all(since) as { reason: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  }

  pairsFoundSince(since: number): number {
    return (this.s.pairsSince.get(since) as { n: number }).n;
  }

  /** Rows still waiting (for the summary: work left for the next run). */
  queuedCounts(): { pages: number; images: number } {
    return this.s.queuedCounts.get() as { pages: number; images: number };
  }
}
