/**
 * The gates that need the data dir's store: no one reason rejects almost everything, the crawl
 * fetched a fair share of its images, and nothing kept or published comes from a source that
 * opted out or is blocklisted.
 */
import type { Config } from '../../config/schema.js';
import type { CheckStore, SourceRow } from '../../store/check.js';
import { blocklist } from '../../../filters/blocklist.js';
import type { Pair } from '../../../filters/api.js';
import { Offenders, type GateResult, gate, skipped } from './offenders.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function rejectionGate(store: CheckStore, config: Config): GateResult {
  const describe = 'no one reason rejects more than the allowed share of the judged pairs';
  const rows = store.decisionsByReason();
  const judged = rows.reduce((n, r) => n + r.n, 0);
  if (judged === 0) return skipped('rejection-share', describe, 'no filter decisions in the store');
  const max = config.check.maxRejectedShare;
  const bad = new Offenders(config.check.offendersListed);
  let worst: { reason: string | null; share: number } = { reason: null, share: 0 };
  for (const r of rows) {
    if (r.reason === null) continue;
    const share = r.n / judged;
    if (share > worst.share) worst = { reason: r.reason, share };
    if (share > max) bad.add(`${r.reason} (${pct(share)} of ${judged} pairs)`);
  }
  return gate('rejection-share', describe, { judged, worstReason: worst.reason, worstShare: worst.share, maxShare: max }, bad);
}

export function fetchedGate(store: CheckStore, config: Config): GateResult {
  const describe = 'at least the required share of the image URLs tried was fetched';
  const by = new Map(store.imagesByStatus().map((r) => [r.status, r.n]));
  const ok = by.get('ok') ?? 0;
  const tried = ok + (by.get('failed') ?? 0);
  if (tried === 0) return skipped('fetched-share', describe, 'no image fetched or failed yet');
  const share = ok / tried;
  const min = config.check.minFetchedShare;
  const failed = share < min;
  const offenders = { first: failed ? [`${ok} of ${tried} image URLs fetched (${pct(share)})`] : [], count: failed ? 1 : 0 };
  return gate('fetched-share', describe, { fetched: ok, tried, share, minShare: min }, offenders);
}

export async function consentGate(store: CheckStore, config: Config): Promise<GateResult> {
  const describe = 'no kept or published pair comes from an opted-out or blocklisted source';
  const limit = config.check.offendersListed;
  const bad = new Offenders(limit);
  const name = (r: SourceRow): string => r.key ?? `pair ${r.pairId}`;
  const optedOut = store.optedOutPublished(limit);
  for (const r of optedOut.first) bad.add(`${name(r)} (${r.pageOptOut ? `page says ${r.pageOptOut}: ${r.pageUrl}` : `image says ${r.imageOptOut}: ${r.imageUrl}`})`);
  bad.count = optedOut.count;
  const o = config.filter.blocklist;
  let blocked = 0;
  if (o.enabled && o.hosts.length + o.urlPatterns.length > 0) {
    // The filter's own matcher, so check and filter never disagree on what is blocked.
    const list = await blocklist.prepare!(o, undefined as never);
    for (const r of store.publishedSources()) {
      if (blocklist.keep!(r as unknown as Pair, o, list)) continue;
      blocked += 1;
      bad.add(`${name(r)} (blocklisted: ${r.pageUrl} / ${r.imageUrl})`);
    }
  }
  return gate('consent', describe, { optedOut: optedOut.count, blocklisted: blocked }, bad);
}
