import { FetchFailure } from './failure.js';
import { sleep, type BeforeRequest } from './fetcher.js';
import type { HostState, HostTable } from './hosts.js';
import { ROBOTS_MAX_BYTES, isReusable, makeRobotsRules, type RobotsSource } from './robots.js';
import type { Runtime } from './runtime.js';
import { hostOf, normalizeUrl } from '../../html/url.js';

/**
 * robots.txt before any other request to a host: reused from the hosts table while fresh,
 * else fetched (redirects followed, 429/503 waited out) and saved. Its Crawl-delay sets the
 * host's delay; its `Sitemap:` lines join the frontier when the host is in scope.
 */

/** Applies a fresh stored robots.txt at once; undefined when it must be fetched. */
export function useCachedRobots(rt: Runtime, h: HostState, protocol: string): Set<string> | undefined {
  const row = rt.store.getHost(h.host);
  if (!row || row.robots_status === null) return undefined;
  const source = { status: row.robots_status, text: row.robots_txt, fetchedAt: row.robots_fetched_at };
  if (!isReusable(source, rt.config.robotsCacheHours * 3_600_000, Date.now())) return undefined;
  return applyRobots(rt, h, protocol, source, 0);
}

/** Fetches, saves and applies robots.txt; returns the hosts that got sitemap rows. */
export async function fetchRobots(rt: Runtime, hosts: HostTable, h: HostState, protocol: string): Promise<Set<string>> {
  const source = await downloadRobots(rt, hosts, h, protocol);
  const found = applyRobots(rt, h, protocol, source, Date.now());
  rt.store.saveRobots(h.host, source.text, source.status, h.robots?.crawlDelayMs ?? null, Date.now());
  return found;
}

async function downloadRobots(rt: Runtime, hosts: HostTable, h: HostState, protocol: string): Promise<RobotsSource> {
  for (let tries = 0; ; tries++) {
    try {
      const fetched = await rt.robotsFetcher.fetch(
        { url: `${protocol}//${h.host}/robots.txt`, accept: 'text/plain,*/*;q=0.5', maxBytes: ROBOTS_MAX_BYTES, checkType: () => null },
        rt.signal,
      );
      return { status: fetched.status, text: fetched.body.toString('utf8') };
    } catch (err) {
      if (!(err instanceof FetchFailure) || rt.signal.aborted) throw err;
      const backoff = err.options.backoff;
      if (backoff && tries < rt.config.retries) {
        const backing = hosts.get(backoff.host);
        backing.backoffUntil = Math.max(backing.backoffUntil, Date.now() + backoff.ms);
        rt.store.saveBackoff(backoff.host, backing.backoffUntil);
        await sleep(backoff.ms, rt.signal);
        continue;
      }
      rt.log.debug(`${h.host}: robots.txt: ${err.message}`);
      return { status: err.httpStatus ?? 0, text: null };
    }
  }
}

/** `after`: when robots.txt arrived (or was read from the store); the next request waits the delay from then. */
function applyRobots(rt: Runtime, h: HostState, protocol: string, source: RobotsSource, after: number): Set<string> {
  const rules = makeRobotsRules(h.host, source, rt.config.maxCrawlDelaySeconds);
  h.robots = rules;
  h.delayMs = Math.max(rt.config.minDelayMs, rules.crawlDelayMs ?? 0);
  h.nextStartAt = Math.max(h.nextStartAt, after + h.delayMs);
  if (!rt.config.followSitemaps || rules.sitemaps.length === 0 || !rt.scope.allows(`${protocol}//${h.host}/`)) return new Set();
  const sitemaps = rules.sitemaps
    .map((u) => normalizeUrl(u))
    .filter((u): u is string => u !== undefined && u.length <= rt.config.maxUrlLength)
    .map((url) => ({ url, host: hostOf(url), depth: 0, kind: 'sitemap' as const }));
  return rt.store.addPages(sitemaps, Date.now());
}

/**
 * The hook the fetchers call before a redirect hop or a retry. The same host as the fetch's
 * own (whose slot the task holds) only waits for the delay; another host is waited for like
 * any request. With `checkRobots`, the URL must be allowed by its host's robots.txt, fetched
 * first when that host is new.
 */
export function makeBeforeRequest(
  hosts: HostTable,
  checkRobots: boolean,
  loadRobots: (h: HostState, protocol: string) => Promise<unknown>,
  owns: (host: string) => boolean = () => true,
): BeforeRequest {
  return async (url, ownerUrl, signal) => {
    // A partitioned run never sends a request to a host another partition owns, not even a redirect hop.
    if (!owns(hostOf(url))) throw new FetchFailure('redirect_other_partition', { detail: url });
    const h = hosts.get(hostOf(url));
    if (checkRobots && !h.robots) {
      h.robotsLoading ??= loadRobots(h, new URL(url).protocol).finally(() => (h.robotsLoading = undefined));
      await h.robotsLoading;
    }
    const refusal = checkRobots ? h.robots?.refusal(url) ?? null : null;
    if (refusal !== null) throw new FetchFailure(refusal, { detail: url });
    if (h.host === hostOf(ownerUrl)) {
      await h.waitDelay(signal);
      return () => undefined;
    }
    return h.acquire(signal);
  };
}
