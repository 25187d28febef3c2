import type { CrawlConfig } from '../../config/crawl.js';
import type { CrawlStore } from '../../store/crawl.js';
import type { Logger } from '../../util/log.js';
import type { Fetcher } from './fetcher.js';
import type { ImageStore } from './image-store.js';
import type { Scope } from './scope.js';
import type { ResultWriter } from './writer.js';

/** What the page, image and robots tasks share during one run. */
export interface Runtime {
  config: CrawlConfig;
  store: CrawlStore;
  /** Fetches pages and images: every redirect hop is checked against robots.txt. */
  fetcher: Fetcher;
  /** Fetches robots.txt itself: hops wait for politeness but are not checked against robots. */
  robotsFetcher: Fetcher;
  images: ImageStore;
  /** Results are written through this, in batched transactions. */
  writer: ResultWriter;
  /** New queued rows exist on these hosts (called after their write committed). */
  discovered(hosts: Iterable<string>): void;
  scope: Scope;
  counters: Counters;
  /** When this invocation started (for the rates). */
  startedAt: number;
  signal: AbortSignal;
  log: Logger;
}

/** Live counts of this invocation, for the progress line and the rates. */
export interface Counters {
  pagesFetched: number;
  pagesFailed: number;
  imagesFetched: number;
  imagesFailed: number;
  pairs: number;
  robotsBlocked: number;
  bytes: number;
}

export function newCounters(): Counters {
  return { pagesFetched: 0, pagesFailed: 0, imagesFetched: 0, imagesFailed: 0, pairs: 0, robotsBlocked: 0, bytes: 0 };
}
