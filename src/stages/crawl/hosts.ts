import type { ClaimedImage, ClaimedPage, CrawlStore } from '../../store/crawl.js';
import { sleep } from './fetcher.js';
import type { RobotsRules } from './robots.js';

/**
 * Per-host politeness: requests in flight (at most `perHostConcurrency`), the earliest next
 * start (minDelayMs, raised by Crawl-delay, counted from both the start and the end of the
 * previous request), and a 429/503 backoff. Also the host's share of
 * the frontier that the scheduler claimed from the store (small batches, never all rows).
 */
export class HostState {
  robots: RobotsRules | undefined;
  /** Set while robots.txt is being fetched, so the scheduler and a redirect hop wait on one fetch. */
  robotsLoading: Promise<unknown> | undefined;
  inFlight = 0;
  nextStartAt = 0;
  backoffUntil = 0;
  delayMs: number;
  readonly pages: ClaimedPage[] = [];
  readonly images: ClaimedImage[] = [];
  /** The store had no more queued rows of this kind at the last claim. */
  pagesDrained = false;
  imagesDrained = false;

  constructor(
    readonly host: string,
    private readonly perHostConcurrency: number,
    minDelayMs: number,
  ) {
    this.delayMs = minDelayMs;
  }

  /** When the next request may start (ignoring the concurrency limit). */
  readyAt(): number {
    return Math.max(this.nextStartAt, this.backoffUntil);
  }

  canStart(now: number): boolean {
    return this.inFlight < this.perHostConcurrency && now >= this.readyAt();
  }

  /** Counts a request in: one more in flight, and the next one not before the delay. */
  begin(now: number): void {
    this.inFlight += 1;
    this.nextStartAt = now + this.delayMs;
  }

  /**
   * Counts a request out. The delay also runs from here: a request that took long does not
   * let the next one follow it at once (Crawl-delay is time between requests, not between starts).
   */
  end(): void {
    this.inFlight -= 1;
    if (this.delayMs > 0) this.nextStartAt = Math.max(this.nextStartAt, Date.now() + this.delayMs);
  }

  /** A request made by a task that already holds a slot here (a retry, a same-host redirect): waits for the delay only. */
  async waitDelay(signal: AbortSignal): Promise<void> {
    for (let wait = this.readyAt() - Date.now(); wait > 0; wait = this.readyAt() - Date.now()) await sleep(wait, signal);
    this.nextStartAt = Date.now() + this.delayMs;
  }

  /** A request from a task holding a slot on another host (a cross-host redirect): waits for a slot here too. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    while (!this.canStart(Date.now())) await sleep(Math.max(10, this.readyAt() - Date.now()), signal);
    this.begin(Date.now());
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.end();
    };
  }

  /** New rows for this host may be in the store. */
  markDirty(): void {
    this.pagesDrained = false;
    this.imagesDrained = false;
  }
}

/** Every host seen in this run; a host's saved 429/503 backoff outlives the run that saw it. */
export class HostTable {
  private readonly hosts = new Map<string, HostState>();

  constructor(
    private readonly store: CrawlStore,
    private readonly perHostConcurrency: number,
    private readonly minDelayMs: number,
  ) {}

  get(host: string): HostState {
    let h = this.hosts.get(host);
    if (!h) {
      h = new HostState(host, this.perHostConcurrency, this.minDelayMs);
      h.backoffUntil = this.store.getHost(host)?.backoff_until ?? 0;
      this.hosts.set(host, h);
    }
    return h;
  }
}
