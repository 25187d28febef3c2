import type { ClaimedImage, ClaimedPage } from '../../store/crawl.js';
import { FetchFailure, isStorageError } from './failure.js';
import type { HostState, HostTable } from './hosts.js';
import { crawlImage } from './image-task.js';
import { crawlPage } from './page-task.js';
import { fetchRobots, useCachedRobots } from './robots-task.js';
import type { Runtime } from './runtime.js';

/**
 * The dispatch loop. The frontier lives in the store; each host claims a small batch of its
 * queued rows at a time (images before pages, pages shallowest first). A request starts only
 * when the global limit, the host's limit, its delay and its backoff allow, and only after the
 * host's robots.txt is known. `pump` runs after every change; a timer wakes it for the next
 * host whose delay ends. Ctrl-C (the signal) stops new work; in-flight requests are aborted.
 */

/** Rows claimed from the store per host at a time: enough to keep its slots busy, few enough to hold in memory. */
const CLAIM_BATCH = 64;

type Item = { kind: 'page'; row: ClaimedPage; tries: number } | { kind: 'image'; row: ClaimedImage; tries: number };

export class Scheduler {
  private readonly active = new Set<string>();
  private inFlight = 0;
  private pageBudget: number;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private round = 0;
  private fatal: unknown;
  private closed = false;
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.finish = resolve));
  private readonly tries = new Map<string, number>();

  constructor(
    private readonly rt: Runtime,
    private readonly hosts: HostTable,
    pageBudget: number,
    private readonly onProgress: () => void,
    /** Claim queued images only, never pages or sitemaps (ingest's download step). */
    private readonly imagesOnly = false,
  ) {
    this.pageBudget = pageBudget;
  }

  /** Runs until the frontier is empty (or the budget spent), the signal aborts, or the store fails. */
  async run(initialHosts: Iterable<string>): Promise<void> {
    this.activate(initialHosts);
    const onAbort = (): void => this.pump();
    this.rt.signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.pump();
      await this.finished;
    } finally {
      this.closed = true;
      this.rt.signal.removeEventListener('abort', onAbort);
      clearTimeout(this.timer);
    }
    if (this.fatal !== undefined) throw this.fatal;
  }

  activate(hosts: Iterable<string>): void {
    for (const host of hosts) {
      this.hostState(host).markDirty();
      this.active.add(host);
    }
  }

  private hostState(host: string): HostState {
    return this.hosts.get(host);
  }

  /** Stops the run: the store cannot be written. */
  fail(err: unknown): void {
    this.fatal ??= err;
    this.pump();
  }

  pump(): void {
    if (this.closed) return;
    if (this.rt.signal.aborted || this.fatal !== undefined) {
      if (this.inFlight === 0) this.finish();
      return;
    }
    const now = Date.now();
    let wakeAt = Infinity;
    const hosts = [...this.active];
    const start = hosts.length > 0 ? this.round++ % hosts.length : 0;
    for (let i = 0; i < hosts.length && this.inFlight < this.rt.config.globalConcurrency; i++) {
      const h = this.hostState(hosts[(start + i) % hosts.length]!);
      wakeAt = Math.min(wakeAt, this.fillHost(h, now));
    }
    if (this.inFlight === 0 && this.active.size === 0) {
      // Queued results may hold discoveries: write them (which pumps again) before deciding there is nothing left.
      if (this.rt.writer.pending > 0) return this.rt.writer.flush();
      return this.finish();
    }
    this.armTimer(wakeAt);
  }

  /** Starts what this host allows now; returns when it could start more (Infinity: not time-bound). */
  private fillHost(h: HostState, now: number): number {
    while (this.inFlight < this.rt.config.globalConcurrency) {
      if (h.robotsLoading) return Infinity;
      if (!h.canStart(now)) return h.inFlight < this.rt.config.perHostConcurrency ? h.readyAt() : Infinity;
      const item = this.nextItem(h);
      if (!item) {
        this.active.delete(h.host);
        return Infinity;
      }
      if (!h.robots) {
        const protocol = new URL(item.row.url).protocol;
        const sitemapHosts = useCachedRobots(this.rt, h, protocol);
        if (!sitemapHosts) {
          this.putBack(h, item);
          this.startRobots(h, protocol, now);
          return Infinity;
        }
        this.activate(sitemapHosts);
        if (!h.canStart(now)) {
          this.putBack(h, item);
          continue;
        }
      }
      const robots = h.robots!;
      const refusal = robots.refusal(item.row.url);
      if (refusal !== null) {
        this.recordFailure(item, new FetchFailure(refusal, { attempts: 0 }));
        continue;
      }
      this.start(h, item, now);
    }
    return Infinity;
  }

  private nextItem(h: HostState): Item | undefined {
    if (this.rt.config.downloadImages) {
      if (h.images.length === 0 && !h.imagesDrained) {
        const rows = this.rt.store.claimImages(h.host, CLAIM_BATCH);
        h.images.push(...rows);
        h.imagesDrained = rows.length < CLAIM_BATCH;
      }
      const row = h.images.shift();
      if (row) return { kind: 'image', row, tries: this.takeTries(`i${row.id}`) };
    }
    if (this.imagesOnly) return undefined;
    for (;;) {
      if (h.pages.length === 0 && !h.pagesDrained) {
        const sitemapsOnly = this.pageBudget <= 0;
        const rows = this.rt.store.claimPages(h.host, CLAIM_BATCH, sitemapsOnly);
        h.pages.push(...rows);
        h.pagesDrained = rows.length < CLAIM_BATCH;
      }
      const row = h.pages.shift();
      if (!row) return undefined;
      // Past --max-pages, claimed page rows are dropped here; the end of the run puts them back in the queue.
      if (row.kind === 'page' && this.pageBudget <= 0) continue;
      if (row.kind === 'page') this.pageBudget -= 1;
      return { kind: 'page', row, tries: this.takeTries(`p${row.id}`) };
    }
  }

  private takeTries(key: string): number {
    const n = this.tries.get(key) ?? 0;
    this.tries.delete(key);
    return n;
  }

  private putBack(h: HostState, item: Item): void {
    if (item.kind === 'image') h.images.unshift(item.row);
    else {
      h.pages.unshift(item.row);
      if (item.row.kind === 'page') this.pageBudget += 1;
    }
    if (item.tries > 0) this.tries.set(`${item.kind === 'image' ? 'i' : 'p'}${item.row.id}`, item.tries);
  }

  private start(h: HostState, item: Item, now: number): void {
    h.begin(now);
    this.inFlight += 1;
    this.execute(h, item).finally(() => {
      h.end();
      this.inFlight -= 1;
      this.onProgress();
      this.pump();
    });
  }

  private async execute(h: HostState, item: Item): Promise<void> {
    try {
      if (item.kind === 'page') await crawlPage(this.rt, item.row);
      else await crawlImage(this.rt, item.row);
    } catch (err) {
      if (this.rt.signal.aborted) return; // the row stays 'fetching' and goes back to the queue at the end
      if (!(err instanceof FetchFailure)) return this.unexpected(item, err);
      const backoff = err.options.backoff;
      if (backoff) {
        this.backOff(backoff.host, backoff.ms);
        if (item.tries < this.rt.config.retries) {
          this.putBack(h, { ...item, tries: item.tries + 1 } as Item);
          this.active.add(h.host);
          return;
        }
      }
      this.recordFailure(item, err);
    }
  }

  private backOff(host: string, ms: number): void {
    const until = Date.now() + ms;
    const h = this.hostState(host);
    if (until <= h.backoffUntil) return;
    h.backoffUntil = until;
    this.rt.store.saveBackoff(host, until);
    this.rt.log.debug(`${host}: backing off for ${Math.round(ms / 1000)} s`);
  }

  /** Disallowed by robots.txt is the site's answer (a page is 'skipped'); anything else failed, and may be retried by a later run. */
  private recordFailure(item: Item, f: FetchFailure): void {
    const blocked = f.reason === 'robots_disallowed';
    const status = blocked ? 'skipped' : 'failed';
    const failure = {
      reason: f.reason,
      httpStatus: f.httpStatus,
      attempts: item.row.attempts + (f.options.attempts ?? 1),
      optOut: f.options.optOut ?? null,
      bytes: f.options.bytes ?? null,
    };
    const now = Date.now();
    const id = item.row.id;
    if (item.kind === 'page') this.rt.writer.add(() => this.rt.store.recordPageFailed(id, failure, now, status));
    else this.rt.writer.add(() => this.rt.store.recordImageFailed(id, failure, now));
    if (blocked) this.rt.counters.robotsBlocked += 1;
    else if (item.kind === 'page') this.rt.counters.pagesFailed += 1;
    else this.rt.counters.imagesFailed += 1;
    this.rt.log.debug(`${item.row.url}: ${f.message}`);
  }

  /** A bug or a store failure. Store errors stop the run (the disk is full, the file is gone); anything else is recorded. */
  private unexpected(item: Item, err: unknown): void {
    if (isStorageError(err)) {
      this.fatal ??= err;
      return;
    }
    this.rt.log.warn(`${item.row.url}: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    this.recordFailure(item, new FetchFailure('internal_error'));
  }

  private startRobots(h: HostState, protocol: string, now: number): void {
    h.begin(now);
    this.inFlight += 1;
    h.robotsLoading = fetchRobots(this.rt, this.hosts, h, protocol)
      .then((sitemapHosts) => this.activate(sitemapHosts))
      .catch((err: unknown) => {
        if (!this.rt.signal.aborted) this.fatal ??= err;
      })
      .finally(() => {
        h.robotsLoading = undefined;
        h.end();
        this.inFlight -= 1;
        this.pump();
      });
  }

  private armTimer(at: number): void {
    if (at === Infinity || (this.timer !== undefined && at >= this.timerAt)) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - Date.now()));
  }
}
