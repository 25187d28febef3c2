/**
 * Read-only queries behind `align-data report` (and `stats --html`): value distributions for the
 * histograms, crawl failures, the contact sheets' pairs, shards, and the refresh history when
 * the refresh stage's table exists. Totals, reasons and hosts come from StatsStore.
 */
import type { Db } from './db.js';

/** One value of a distribution (capped), with the pairs at it split by the last decision. */
export interface ValueRow {
  value: number;
  kept: number;
  rejected: number;
}

export interface FailureRow {
  kind: 'page' | 'image';
  reason: string;
  n: number;
}

export interface SheetPair {
  pairId: number;
  sha256: string;
  alt: string;
  pageUrl: string;
  width: number;
  height: number;
  reason: string | null;
}

export interface RefreshRun {
  id: number;
  startedAt: string | null;
  endedAt: string | null;
  exitCode: number | null;
  summaryJson: string | null;
}

/** The raw dataset (pairs whose image was fetched and probed), with the last decision. */
const RAW = `FROM pairs p JOIN images i ON i.id = p.image_id JOIN blobs b ON b.sha256 = i.sha256
  LEFT JOIN decisions d ON d.pair_id = p.id WHERE i.status = 'ok'`;

/** A spread of pairs chosen by a multiplicative hash of their id: the same every time, not the first ones found. */
const SPREAD = '((p.id * 2654435761) % 4294967291)';

export class ReportStore {
  constructor(private readonly db: Db) {}

  /** Distribution of word count, shorter side or aspect ratio over the raw dataset, capped at `cap`. */
  distribution(measure: 'wordCount' | 'shorterSide' | 'aspectRatio', cap: number): ValueRow[] {
    const expr = {
      wordCount: 'p.word_count',
      shorterSide: 'min(b.width, b.height)',
      // Rounded to 0.05: few distinct values to carry, finer than any bin drawn.
      aspectRatio: 'round(20.0 * max(b.width, b.height) / max(1, min(b.width, b.height))) / 20.0',
    }[measure];
    return this.db
      .prepare(`SELECT min(${expr}, ?) AS value, coalesce(sum(d.kept), 0) AS kept, count(*) - coalesce(sum(d.kept), 0) AS rejected
                ${RAW} GROUP BY 1 ORDER BY 1`)
      .all(cap) as ValueRow[];
  }

  /** Failed pages and image URLs by reason. */
  failures(): FailureRow[] {
    return this.db
      .prepare(`SELECT 'page' AS kind, coalesce(error, 'unknown') AS reason, count(*) AS n FROM pages WHERE status IN ('failed', 'skipped') GROUP BY 2
                UNION ALL
                SELECT 'image', coalesce(error, 'unknown'), count(*) FROM images WHERE status = 'failed' GROUP BY 2
                ORDER BY n DESC`)
      .all() as FailureRow[];
  }

  /** Finished crawl runs, newest first, with their saved summaries. */
  crawlRuns(limit: number): { id: number; startedAt: number; finishedAt: number; summary: string | null }[] {
    return this.db
      .prepare(`SELECT id, started_at AS startedAt, finished_at AS finishedAt, summary FROM crawl_runs
                WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT ?`)
      .all(limit) as { id: number; startedAt: number; finishedAt: number; summary: string | null }[];
  }

  shardTotals(): { split: string; shards: number; samples: number; bytes: number }[] {
    return this.db
      .prepare('SELECT split, count(*) AS shards, sum(samples) AS samples, sum(bytes) AS bytes FROM shards GROUP BY split ORDER BY split DESC')
      .all() as { split: string; shards: number; samples: number; bytes: number }[];
  }

  /** Kept pairs for the contact sheet: `limit` of them, spread over the dataset, the same on every run. */
  keptSample(limit: number): SheetPair[] {
    return this.db
      .prepare(`SELECT p.id AS pairId, i.sha256, p.alt_norm AS alt, g.url AS pageUrl, b.width, b.height, NULL AS reason
                FROM pairs p JOIN decisions d ON d.pair_id = p.id AND d.kept = 1 JOIN images i ON i.id = p.image_id
                JOIN blobs b ON b.sha256 = i.sha256 JOIN pages g ON g.id = p.page_id
                ORDER BY ${SPREAD}, p.id LIMIT ?`)
      .all(limit) as SheetPair[];
  }

  /** Rejected pairs that have an image to show, taking each reason in turn so that every reason appears. */
  rejectedSample(limit: number): SheetPair[] {
    return this.db
      .prepare(`SELECT pairId, sha256, alt, pageUrl, width, height, reason FROM (
                  SELECT p.id AS pairId, i.sha256, p.alt_norm AS alt, g.url AS pageUrl, b.width, b.height, d.reason,
                         row_number() OVER (PARTITION BY d.reason ORDER BY ${SPREAD}, p.id) AS turn
                  FROM pairs p JOIN decisions d ON d.pair_id = p.id AND d.kept = 0 JOIN images i ON i.id = p.image_id
                  JOIN blobs b ON b.sha256 = i.sha256 JOIN pages g ON g.id = p.page_id WHERE i.status = 'ok')
                ORDER BY turn, reason LIMIT ?`)
      .all(limit) as SheetPair[];
  }

  /** The refresh stage's runs, newest first; null when this store has never had a refresh (no table). */
  refreshRuns(limit: number): RefreshRun[] {
    return this.db
      .prepare(`SELECT id, started_at AS startedAt, ended_at AS endedAt, exit_code AS exitCode, summary_json AS summaryJson
                FROM refresh_runs ORDER BY id DESC LIMIT ?`)
      .all(limit) as RefreshRun[];
  }

  /** The filter config of the last finished filter run (JSON), for the thresholds drawn on the histograms. */
  lastFilterConfig(): string | null {
    return (this.db.prepare('SELECT config FROM filter_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1').pluck().get() as string | undefined) ?? null;
  }
}
