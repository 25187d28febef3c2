import { openStore, type Db } from './db.js';
import { withdrawalsByReason } from './withdrawals.js';

/**
 * The refresh flow's SQL: its runs (`refresh_runs`), the seeds it remembers, and the deltas its
 * summary reports. The deltas compare the store after the crawl with a snapshot taken before
 * it: the pages whose last fetch was fine (a temp table of this connection, which stays open
 * while the stages write through their own).
 */

export interface PageDeltas {
  /** Pages fetched fine for the first time. */
  new: number;
  /** Pages fetched fine before and refetched with a full response (not a 304). */
  changed: number;
  /** Revalidated with a 304. */
  unchanged: number;
  /** Fine before, now 404 / 410. */
  gone: number;
  /** Fine before, now disallowed by robots.txt. */
  disallowed: number;
  /** Any other failure in this run. */
  failed: number;
}

export interface LastRefresh {
  id: number;
  summary: Record<string, unknown> | null;
}

export class RefreshStore {
  constructor(readonly db: Db) {}

  /** A run starts: its row, with no end and no exit code until `finishRun`. */
  startRun(startedAt: Date): number {
    return Number(this.db.prepare('INSERT INTO refresh_runs (started_at) VALUES (?)').run(startedAt.toISOString()).lastInsertRowid);
  }

  finishRun(id: number, endedAt: Date, exitCode: number, summary: unknown): void {
    this.db
      .prepare('UPDATE refresh_runs SET ended_at = ?, exit_code = ?, summary_json = ? WHERE id = ?')
      .run(endedAt.toISOString(), exitCode, JSON.stringify(summary), id);
  }

  /** The last run that ended with exit code 0 (its summary holds how long filter and shard took). */
  lastGoodRun(): LastRefresh | undefined {
    const row = this.db.prepare('SELECT id, summary_json FROM refresh_runs WHERE exit_code = 0 ORDER BY id DESC LIMIT 1').get() as
      | { id: number; summary_json: string | null }
      | undefined;
    return row && { id: row.id, summary: row.summary_json ? (JSON.parse(row.summary_json) as Record<string, unknown>) : null };
  }

  seeds(): string[] {
    return this.db.prepare('SELECT url FROM refresh_seeds ORDER BY position').pluck().all() as string[];
  }

  /** The list given now replaces the remembered one. */
  rememberSeeds(seeds: readonly string[], now: Date): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM refresh_seeds').run();
      const insert = this.db.prepare('INSERT OR IGNORE INTO refresh_seeds (url, position, added_at) VALUES (?, ?, ?)');
      seeds.forEach((url, i) => insert.run(url, i, now.toISOString()));
    })();
  }

  /** Before the crawl: which pages were last fetched fine (what `pageDeltas` compares with). */
  snapshotPages(): void {
    this.db.exec(`DROP TABLE IF EXISTS temp.refresh_ok_before;
      CREATE TEMP TABLE refresh_ok_before (id INTEGER PRIMARY KEY);
      INSERT INTO refresh_ok_before SELECT id FROM pages WHERE kind = 'page' AND fetched_at IS NOT NULL AND error IS NULL`);
  }

  /** What happened to the pages fetched since `since` (unix ms). */
  pageDeltas(since: number): PageDeltas {
    return this.db
      .prepare(`
        SELECT coalesce(sum(g.status = 'done' AND b.id IS NULL), 0) AS new,
               coalesce(sum(g.status = 'done' AND b.id IS NOT NULL AND g.http_status <> 304), 0) AS changed,
               coalesce(sum(g.status = 'done' AND g.http_status = 304), 0) AS unchanged,
               coalesce(sum(g.status <> 'done' AND b.id IS NOT NULL AND g.error IN ('http_404', 'http_410')), 0) AS gone,
               coalesce(sum(g.status <> 'done' AND b.id IS NOT NULL AND g.error = 'robots_disallowed'), 0) AS disallowed,
               coalesce(sum(g.status <> 'done' AND NOT (b.id IS NOT NULL AND g.error IN ('http_404', 'http_410', 'robots_disallowed'))), 0) AS failed
        FROM pages g LEFT JOIN temp.refresh_ok_before b ON b.id = g.id
        WHERE g.kind = 'page' AND g.fetched_at >= ? AND g.status IN ('done', 'failed', 'skipped')`)
      .get(since) as PageDeltas;
  }

  pairsFoundSince(since: number): number {
    return this.db.prepare('SELECT count(*) FROM pairs WHERE found_at >= ?').pluck().get(since) as number;
  }

  /** Pairs a filter run kept that were not kept before it (decisions keep the run that last changed them). */
  newlyKept(filterRunId: number): number {
    return this.db.prepare('SELECT count(*) FROM decisions WHERE run_id = ? AND kept = 1').pluck().get(filterRunId) as number;
  }

  /** Withdrawals recorded since `since` (unix ms), by reason. */
  withdrawnSince(since: number): Record<string, number> {
    const rows = this.db
      .prepare('SELECT reason, count(*) AS n FROM withdrawals WHERE withdrawn_at >= ? GROUP BY reason ORDER BY reason')
      .all(since) as { reason: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  }

  withdrawnByReason(): Record<string, number> {
    return withdrawalsByReason(this.db);
  }

  /** Rows still queued: the frontier the next run starts from. */
  frontier(): { pages: number; images: number } {
    return this.db
      .prepare(`SELECT (SELECT count(*) FROM pages WHERE status = 'queued') AS pages,
                       (SELECT count(*) FROM images WHERE status = 'queued') AS images`)
      .get() as { pages: number; images: number };
  }

  close(): void {
    this.db.close();
  }
}

export function openRefreshStore(dataDir: string): RefreshStore {
  return new RefreshStore(openStore(dataDir));
}
