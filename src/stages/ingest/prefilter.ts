import { z } from 'zod';
import type { Filter, Pair, SqlCondition } from '../../../filters/api.js';
import { blocklist, optOut, wordCount } from '../../../filters/index.js';
import type { FilterConfig } from '../../config/filter.js';
import type { IngestStore } from '../../store/ingest.js';

/**
 * `--prefilter`: the filters that need no image (word-count, opt-out, blocklist), judged when a
 * pair is read, by the very filter modules and options `align-data filter` uses (a `where` runs
 * its own SQL in SQLite over the pair's values, a `keep` its own predicate), in the registry's
 * order. The image response's own X-Robots-Tag is not known yet: the download refuses those
 * (opt_out), and `filter` rejects them later. Counting filters need the whole dataset and
 * cannot run here.
 */

/** The pair fields known before any download. */
export type PrefilterPair = Pick<
  Pair,
  'altRaw' | 'altNorm' | 'altKey' | 'wordCount' | 'imageUrl' | 'imageHost' | 'pageUrl' | 'pageHost' | 'pageOptOut' | 'imageOptOut'
>;

export type Prefilter = (pair: PrefilterPair) => string | null;

const RULES: readonly [Filter, keyof FilterConfig][] = [
  [wordCount, 'wordCount'],
  [optOut, 'optOut'],
  [blocklist, 'blocklist'],
];

/** Every rule's name, in the order a rejected pair records the first one it fails. */
export const PREFILTER_RULES = RULES.map(([f]) => f.name);

export async function makePrefilter(config: FilterConfig, store: IngestStore): Promise<Prefilter> {
  const checks: { name: string; keep: (p: PrefilterPair) => boolean }[] = [];
  const facts = { pairs: 0, images: 0, maxDistinctTokens: 0 };
  for (const [filter, key] of RULES) {
    const options = filter.options ? filter.options(z).parse(config[key]) : {};
    if (filter.active && !filter.active(options, facts)) continue;
    if (filter.where) {
      const cond = filter.where(options);
      const sql: SqlCondition = typeof cond === 'string' ? { sql: cond } : cond;
      checks.push({ name: filter.name, keep: store.compileCondition(sql.sql, sql.params ?? {}) });
    } else {
      const state: unknown = filter.prepare ? await filter.prepare(options, noTools()) : undefined;
      const keep = filter.keep!;
      checks.push({ name: filter.name, keep: (p) => keep(p as Pair, options, state) });
    }
  }
  return (pair) => checks.find((c) => !c.keep(pair))?.name ?? null;
}

function noTools(): never {
  // Only filters that need images take tools; none of the prefilter rules do.
  return { hashImageFiles: () => Promise.reject(new Error('no images at ingest')), hashStoredImages: () => Promise.resolve(), log: { info() {}, warn() {} } } as never;
}
