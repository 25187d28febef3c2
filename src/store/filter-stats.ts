import type { Db } from './db.js';

/** Read-only queries behind `align-data stats`: totals, decisions, histograms, hosts. */

export interface StoreTotals {
  pages: number;
  pagesFetched: number;
  imageUrls: number;
  imageUrlsOk: number;
  imageUrlsFailed: number;
  /** Distinct images (sha256) fetched and probed. */
  images: number;
  pairs: number;
  /** Pairs whose image is ok: the raw dataset. */
  rawPairs: number;
}

export interface LastRun {
  id: number;
  startedAt: number;
  finishedAt: number | null;
  configHash: string;
}

export interface BucketRow {
  bucket: string;
  pairs: number;
  kept: number;
}

export interface HostRow {
  host: string;
  pages: number;
  pairs: number;
  kept: number;
}

/** A histogram bucket: a label and the SQL condition (over `p` pairs, `b` blobs) tried in order. */
export interface BucketSpec {
  label: string;
  when: string;
}

/** The filter thresholds the histograms' buckets line up with (each bucket all kept or all rejected by its filter). */
export interface HistogramThresholds {
  /** Fewest and most words kept (word-count). */
  minWords: number;
  maxWords: number;
  /** A pair is kept when its shorter side is more than this (image-size). */
  minSidePx: number;
  /** A pair is kept when long / short side is less than this (aspect-ratio). */
  maxRatio: number;
}

/** Sorted distinct bounds: the fixed ones plus the thresholds, negative ones dropped. */
const boundsWith = (fixed: number[], thresholds: number[]): number[] =>
  [...new Set([...fixed, ...thresholds])].filter((b) => b >= 0).sort((a, b) => a - b);

const upTo = (column: string, bounds: number[]): BucketSpec[] => [
  ...bounds.map((hi, i) => {
    const lo = i === 0 ? undefined : bounds[i - 1]! + 1;
    return { label: lo === undefined ? `≤ ${hi}` : lo === hi ? `${hi}` : `${lo}–${hi}`, when: `${column} <= ${hi}` };
  }),
  { label: `> ${bounds.at(-1)}`, when: '1' },
];

/**
 * The buckets of each histogram: a few fixed bounds plus the configured thresholds, so that with
 * ALIGN's defaults (3–20 words, shorter side > 200, ratio < 3) they are ≤ 2, 3–5, …, 11–20, 21–50;
 * ≤ 100, 101–200, …; < 1.25, …, 2–3, 3–5. Thresholds are validated numbers from the config.
 */
export function histogramBuckets(t: HistogramThresholds): Record<'wordCount' | 'shorterSide' | 'aspectRatio', BucketSpec[]> {
  const ratios = boundsWith([1.25, 1.5, 2, 5], [t.maxRatio]).filter((r) => r > 0);
  return {
    wordCount: upTo('p.word_count', boundsWith([1, 5, 10, 50], [t.minWords - 1, t.maxWords])),
    shorterSide: upTo('min(b.width, b.height)', boundsWith([100, 300, 500, 1000], [t.minSidePx])),
    aspectRatio: ratios
      .map((hi, i, all) => ({ label: i === 0 ? `< ${hi}` : `${all[i - 1]}–${hi}`, when: `max(b.width, b.height) < ${hi} * min(b.width, b.height)` }))
      .concat([{ label: `≥ ${ratios.at(-1)}`, when: '1' }]),
  };
}

export class StatsStore {
  constructor(private readonly db: Db) {}

  totals(): StoreTotals {
    const one = (sql: string): number => (this.db.prepare(sql).pluck().get() as number | null) ?? 0;
    return {
      pages: one(`SELECT count(*) FROM pages WHERE kind = 'page'`),
      pagesFetched: one(`SELECT count(*) FROM pages WHERE kind = 'page' AND status = 'done'`),
      imageUrls: one('SELECT count(*) FROM images'),
      imageUrlsOk: one(`SELECT count(*) FROM images WHERE status = 'ok'`),
      imageUrlsFailed: one(`SELECT count(*) FROM images WHERE status = 'failed'`),
      images: one(`SELECT count(DISTINCT sha256) FROM images WHERE status = 'ok'`),
      pairs: one('SELECT count(*) FROM pairs'),
      rawPairs: one(`SELECT count(*) FROM pairs p JOIN images i ON i.id = p.image_id WHERE i.status = 'ok' AND i.sha256 IS NOT NULL`),
    };
  }

  lastRun(): LastRun | undefined {
    return this.db
      .prepare(`SELECT id, started_at AS startedAt, finished_at AS finishedAt, config_hash AS configHash
                FROM filter_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`)
      .get() as LastRun | undefined;
  }

  /** Decisions grouped by their list of failing filters (few distinct lists). */
  reasonLists(): { reasons: string | null; n: number }[] {
    return this.db.prepare('SELECT reasons, count(*) AS n FROM decisions GROUP BY reasons').all() as { reasons: string | null; n: number }[];
  }

  /** Pairs of the raw dataset and kept pairs per bucket (of histogramBuckets), in bucket order. */
  histogram(buckets: readonly BucketSpec[]): BucketRow[] {
    const cases = buckets.map((b, i) => `WHEN ${b.when} THEN ${i}`).join(' ');
    const rows = this.db
      .prepare(`
        SELECT CASE ${cases} ELSE ${buckets.length - 1} END AS k, count(*) AS pairs, coalesce(sum(d.kept), 0) AS kept
        FROM pairs p JOIN images i ON i.id = p.image_id JOIN blobs b ON b.sha256 = i.sha256
        LEFT JOIN decisions d ON d.pair_id = p.id
        WHERE i.status = 'ok' GROUP BY k`)
      .all() as { k: number; pairs: number; kept: number }[];
    return buckets.map((b, i) => {
      const row = rows.find((r) => r.k === i);
      return { bucket: b.label, pairs: row?.pairs ?? 0, kept: row?.kept ?? 0 };
    });
  }

  /** `<img>` with a non-empty alt that yielded no pair, over every page in the store, by reason. */
  imgsNotPaired(): Record<string, number> {
    const rows = this.db
      .prepare('SELECT reason, sum(n) AS n FROM imgs_not_paired GROUP BY reason ORDER BY reason')
      .all() as { reason: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  }

  /** The page hosts with the most pairs. */
  topHosts(limit: number): HostRow[] {
    return this.db
      .prepare(`
        SELECT g.host, count(DISTINCT p.page_id) AS pages, count(*) AS pairs, coalesce(sum(d.kept), 0) AS kept
        FROM pairs p JOIN pages g ON g.id = p.page_id LEFT JOIN decisions d ON d.pair_id = p.id
        GROUP BY g.host ORDER BY pairs DESC, g.host LIMIT ?`)
      .all(limit) as HostRow[];
  }
}
