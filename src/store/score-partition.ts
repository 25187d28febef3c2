import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { samplePartition } from '../util/partition.js';
import { storePath, type Db } from './db.js';
import { SCORES_SCHEMA } from './schema/scores.js';
import { ScoreStore } from './scores.js';

/** The scores of one score partition, in its own folder. */
export const PART_SCORES_FILE = 'score-part.db';

/**
 * `score --partition I/N` over a merged store: N tasks score at once, on several machines, so
 * none writes the merged store. Each keeps its score runs and pair scores in a small SQLite file
 * of its own folder (the scores tables only, no foreign keys: the pairs are in the merged store)
 * and reads the merged store ATTACHed: unqualified pairs, images, decisions resolve to it, so the
 * score store's statements run unchanged. The share: pairs whose image's sha256 hashes to I (as
 * `shard --partition`). `merge --scores` gathers the files into the merged store's pair_scores.
 */
export function openPartitionScoreStore(mergedDir: string, partDir: string, part: { index: number; count: number }): ScoreStore {
  mkdirSync(partDir, { recursive: true });
  const db: Db = new Database(join(partDir, PART_SCORES_FILE));
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = OFF'); // the pairs pair_scores names live in the merged store
    if (db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'pair_scores'`).get() === undefined) db.exec(SCORES_SCHEMA);
    // Read only while no merge or filter writes it (see shard-partition.ts).
    db.prepare('ATTACH DATABASE ? AS merged').run(storePath(mergedDir));
    db.function('align_sample_part', { deterministic: true }, (sha: unknown) => samplePartition(String(sha), part.count));
    return new ScoreStore(db, `align_sample_part(i.sha256) = ${part.index}`);
  } catch (err) {
    db.close();
    throw err;
  }
}

export interface GatheredScores {
  /** Scores the part holds. */
  scores: number;
  /** Scores new or changed in the merged store. */
  changed: number;
  /** Scores of pairs the merged store no longer has (skipped). */
  orphaned: number;
}

/**
 * Copies one score part (attached as `part`) into the merged store's pair_scores: its score runs
 * by (run_dir, step), its scores by pair id (the merged store's own ids, which a merge never
 * changes). A score already there from the same run and equal is left alone, so gathering again
 * changes nothing; one from another run is replaced, as `score` would replace it.
 */
export function gatherScorePart(db: Db, partFile: string): GatheredScores {
  db.prepare('ATTACH DATABASE ? AS part').run(partFile);
  try {
    return db.transaction(() => {
      db.prepare('INSERT OR IGNORE INTO main.score_runs (run_dir, step, started_at) SELECT run_dir, step, started_at FROM part.score_runs').run();
      const scores = db.prepare('SELECT count(*) FROM part.pair_scores').pluck().get() as number;
      const orphaned = db.prepare('SELECT count(*) FROM part.pair_scores ps WHERE ps.pair_id NOT IN (SELECT id FROM main.pairs)').pluck().get() as number;
      const changed = db.prepare(`INSERT INTO main.pair_scores (pair_id, score_run_id, score, error)
        SELECT ps.pair_id, mr.id, ps.score, ps.error FROM part.pair_scores ps
          JOIN part.score_runs pr ON pr.id = ps.score_run_id
          JOIN main.score_runs mr ON mr.run_dir = pr.run_dir AND mr.step = pr.step
        WHERE ps.pair_id IN (SELECT id FROM main.pairs)
        ON CONFLICT (pair_id) DO UPDATE SET score_run_id = excluded.score_run_id, score = excluded.score, error = excluded.error
        WHERE pair_scores.score_run_id IS NOT excluded.score_run_id OR pair_scores.score IS NOT excluded.score
          OR pair_scores.error IS NOT excluded.error`).run().changes;
      return { scores, changed, orphaned };
    })();
  } finally {
    db.prepare('DETACH DATABASE part').run();
  }
}
