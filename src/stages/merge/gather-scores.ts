/**
 * `merge --scores --into M DIR...`: the folders of `score --partition I/N` tasks (M's
 * score-parts/part-*) → M's pair_scores, so `filter`'s model-score filter and `stats` read the
 * scores exactly as if one `score` had run on M. Idempotent: gathering again changes nothing;
 * a part scored again (another checkpoint) replaces what it gathered before.
 * May import: store/, util/, errors.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { usageError } from '../../errors.js';
import { openStore, storePath } from '../../store/db.js';
import { gatherScorePart, PART_SCORES_FILE } from '../../store/score-partition.js';
import { acquireLock } from '../../util/lock.js';

export interface GatherScoresSummary {
  into: string;
  parts: number;
  /** Scores the parts hold. */
  scores: number;
  /** Scores new or changed in M's pair_scores. */
  changed: number;
  /** Scores of pairs M no longer has (skipped). */
  orphaned: number;
}

export function gatherScores(into: string, dirs: string[]): GatherScoresSummary {
  if (dirs.length === 0) throw usageError('merge --scores: give the score part folders: align-data merge --scores --into M M/score-parts/part-*');
  const out = resolve(into);
  if (!existsSync(storePath(out))) throw usageError(`merge --scores: ${into} has no store (${storePath(out)})`);
  const files = dirs.map((d) => {
    const file = join(resolve(d), PART_SCORES_FILE);
    if (!existsSync(file)) throw usageError(`merge --scores: ${d} has no ${PART_SCORES_FILE} (not a folder of \`score --partition\`)`);
    return file;
  });
  const lock = acquireLock(out, 'merge');
  const db = openStore(out);
  try {
    const summary: GatherScoresSummary = { into: out, parts: files.length, scores: 0, changed: 0, orphaned: 0 };
    for (const file of files) {
      const got = gatherScorePart(db, file);
      summary.scores += got.scores;
      summary.changed += got.changed;
      summary.orphaned += got.orphaned;
    }
    return summary;
  } finally {
    db.close();
    lock.release();
  }
}
