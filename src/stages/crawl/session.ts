import { setMaxListeners } from 'node:events';
import type { CrawlConfig } from '../../config/crawl.js';
import type { CrawlStore } from '../../store/crawl.js';
import type { StageContext } from '../../util/context.js';
import { makeUserAgent } from '../../net/user-agent.js';
import { Fetcher, type FetchPolicy } from './fetcher.js';
import { HostTable, type HostState } from './hosts.js';
import { HttpClient } from './http.js';
import { ImageStore } from './image-store.js';
import { fetchRobots, makeBeforeRequest, useCachedRobots } from './robots-task.js';
import { newCounters, type Runtime } from './runtime.js';
import { Scheduler } from './scheduler.js';
import { makeScope } from './scope.js';
import { ResultWriter } from './writer.js';

/**
 * One invocation's moving parts, wired together: the HTTP client, the two fetchers and their
 * robots/politeness hooks, the host table, the result writer and the scheduler. `close` aborts
 * nothing by itself: it releases sockets, writes what is queued and puts claimed rows back.
 */
export interface CrawlSession {
  rt: Runtime;
  scheduler: Scheduler;
  close(): Promise<void>;
}

export function userAgent(config: CrawlConfig): string {
  return makeUserAgent(config.contactUrl);
}

export function openSession(store: CrawlStore, config: CrawlConfig, ctx: StageContext, seeds: string[], pageBudget: number, imagesOnly = false): CrawlSession {
  // Every request listens to the run's signal: one of our own, fed by ctx.signal, may have many listeners.
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const onAbort = (): void => stop.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });

  const http = new HttpClient({
    userAgent: userAgent(config),
    connectTimeoutMs: config.connectTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    deadlineMs: config.requestDeadlineMs,
  });
  const hosts = new HostTable(store, config.perHostConcurrency, config.minDelayMs);
  // A redirect to a host not seen yet: its robots.txt first, in a slot of that host.
  const loadRobotsForHop = async (h: HostState, protocol: string): Promise<void> => {
    const cached = useCachedRobots(rt, h, protocol);
    if (cached) return scheduler.activate(cached);
    const release = await h.acquire(stop.signal);
    try {
      scheduler.activate(await fetchRobots(rt, hosts, h, protocol));
    } finally {
      release();
    }
  };
  const policy = fetchPolicy(config);
  const owns = (host: string): boolean => store.ownsHost(host);
  const writer = new ResultWriter(store, { onError: (err) => scheduler.fail(err), afterFlush: () => scheduler.pump() });
  const rt: Runtime = {
    config,
    store,
    writer,
    discovered: (found) => scheduler.activate(found),
    fetcher: new Fetcher(http, policy, makeBeforeRequest(hosts, true, loadRobotsForHop, owns)),
    robotsFetcher: new Fetcher(http, policy, makeBeforeRequest(hosts, false, loadRobotsForHop, owns)),
    images: new ImageStore(ctx.dataDir),
    scope: makeScope(config.scope, seeds),
    counters: newCounters(),
    startedAt: Date.now(),
    signal: stop.signal,
    log: ctx.log,
  };
  const scheduler = new Scheduler(rt, hosts, pageBudget, () => reportProgress(rt, ctx), imagesOnly);
  return {
    rt,
    scheduler,
    async close() {
      ctx.signal.removeEventListener('abort', onAbort);
      await http.close().catch(() => undefined);
      writer.flush();
      store.resetInFlight();
    },
  };
}

function fetchPolicy(config: CrawlConfig): FetchPolicy {
  return {
    maxRedirects: config.maxRedirects,
    retries: config.retries,
    retryBaseDelayMs: config.retryBaseDelayMs,
    defaultRetryAfterMs: config.defaultRetryAfterSeconds * 1000,
    maxRetryAfterMs: config.maxRetryAfterSeconds * 1000,
  };
}

/** The live progress line (throttled by the logger): counts of this invocation and its rates. */
export function reportProgress(rt: Runtime, ctx: StageContext, force = false): void {
  const s = (Date.now() - rt.startedAt) / 1000 || 1e-3;
  const c = rt.counters;
  ctx.log.progress(
    'crawl',
    { pages: c.pagesFetched, images: c.imagesFetched, pairs: c.pairs, errors: c.pagesFailed + c.imagesFailed, 'pages/s': c.pagesFetched / s, 'images/s': c.imagesFetched / s },
    force,
  );
}
