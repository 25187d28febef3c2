import type { Db } from './db.js';

/**
 * Withdrawn consent, as the filter stage keeps it (the `withdrawals` table of migration 3).
 *
 * A pair's source withdrew consent when, now, its page (checked first) or its image
 * - answers 404 / 410 (`withdrawn_gone`),
 * - is disallowed by robots.txt (`withdrawn_robots`),
 * - says noai / noimageai: the page's robots meta or X-Robots-Tag, or the image's header (`withdrawn_noai`).
 * A page gone or disallowed always withdraws its pairs (it was fine when they were found on it).
 * The other causes withdraw a pair only when it had been released (kept, or in a shard): a page
 * that said noai from the start opted out (reason 'opt-out'), and an image never fetched failed.
 * A record lasts while such a cause does (`released` remembers which kind it may rest on): a
 * plain `filter` rerun keeps the pair withdrawn, and a source that is fetched fine again (no noai,
 * 200) gets its pairs judged afresh.
 *
 * The causes are found by one pass over pages and one over images (few rows have one), joined to
 * their pairs by index; never a pass over every pair. A row requeued for a refetch keeps its last
 * error, so a crawl cut short by its time budget does not give consent back.
 */

const CAUSES = `
DROP TABLE IF EXISTS temp.w_causes;
CREATE TEMP TABLE w_causes (pair_id INTEGER PRIMARY KEY, reason TEXT NOT NULL, always INTEGER NOT NULL);
INSERT OR IGNORE INTO w_causes
  SELECT p.id, CASE WHEN g.status <> 'done' AND g.error = 'robots_disallowed' THEN 'withdrawn_robots'
                    WHEN g.status <> 'done' AND g.error IN ('http_404', 'http_410') THEN 'withdrawn_gone'
                    ELSE 'withdrawn_noai' END,
         g.status <> 'done' AND g.error IN ('robots_disallowed', 'http_404', 'http_410')
  FROM pages g JOIN pairs p ON p.page_id = g.id
  WHERE (g.status <> 'done' AND g.error IN ('robots_disallowed', 'http_404', 'http_410')) OR g.opt_out IS NOT NULL;
INSERT OR IGNORE INTO w_causes
  SELECT p.id, CASE i.error WHEN 'robots_disallowed' THEN 'withdrawn_robots' WHEN 'opt_out' THEN 'withdrawn_noai'
                    ELSE 'withdrawn_gone' END, 0
  FROM images i JOIN pairs p ON p.image_id = i.id
  WHERE i.status <> 'ok' AND i.error IN ('robots_disallowed', 'http_404', 'http_410', 'opt_out');
`;

const RECORD = `
INSERT INTO withdrawals (pair_id, reason, released, withdrawn_at)
SELECT pair_id, reason, released, @now FROM (
  SELECT c.pair_id, c.reason, c.always,
         EXISTS (SELECT 1 FROM decisions d WHERE d.pair_id = c.pair_id AND d.kept = 1)
           OR EXISTS (SELECT 1 FROM shard_samples s WHERE s.pair_id = c.pair_id) AS released
  FROM w_causes c) c
WHERE always OR released OR EXISTS (SELECT 1 FROM withdrawals w WHERE w.pair_id = c.pair_id)
ON CONFLICT (pair_id) DO UPDATE SET reason = excluded.reason, released = max(withdrawals.released, excluded.released)
WHERE withdrawals.reason <> excluded.reason OR withdrawals.released < excluded.released`;

/**
 * A record whose cause is gone goes; so does one that stood only for a page gone or disallowed
 * when the pair had never been released and its remaining cause is another (an image never
 * fetched is a failure, not a withdrawal).
 */
const CLEAR = `DELETE FROM withdrawals WHERE NOT EXISTS (
  SELECT 1 FROM temp.w_causes c WHERE c.pair_id = withdrawals.pair_id AND (c.always OR withdrawals.released))`;

export const WITHDRAWAL_REASONS = ['withdrawn_noai', 'withdrawn_gone', 'withdrawn_robots'] as const;

/**
 * Brings `withdrawals` up to date with the store (before the filter judges any pair): records
 * new withdrawals, updates changed reasons, drops those whose cause is gone. One transaction.
 */
export function updateWithdrawals(db: Db, now: number): { recorded: number; cleared: number; total: number } {
  return db.transaction(() => {
    db.exec(CAUSES);
    const before = countWithdrawals(db);
    const cleared = db.prepare(CLEAR).run().changes;
    db.prepare(RECORD).run({ now });
    const total = countWithdrawals(db);
    db.exec('DROP TABLE temp.w_causes');
    return { recorded: total - (before - cleared), cleared, total };
  })();
}

export function countWithdrawals(db: Db): number {
  return db.prepare('SELECT count(*) FROM withdrawals').pluck().get() as number;
}

/** Current withdrawals by reason. */
export function withdrawalsByReason(db: Db): Record<string, number> {
  const rows = db.prepare('SELECT reason, count(*) AS n FROM withdrawals GROUP BY reason ORDER BY reason').all() as { reason: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}
