import type { Db } from './db.js';

/** A pair to score: its id, caption and the sha256 of its stored image. */
export interface PairToScore {
  pairId: number;
  caption: string;
  sha256: string;
}

export interface ScoreRow {
  pairId: number;
  score: number | null;
  error: string | null;
}

export interface ScoreBucket {
  /** Lower edge of the bucket (width 0.1). */
  from: number;
  pairs: number;
  /** Of those, pairs the last filter run kept. */
  kept: number;
}

/** The statements, prepared once per connection and named, so a typo is a type error. `share`: a term on `i` (the image) that picks a partition's pairs. */
function prepareScoreStatements(db: Db, share: string) {
  return {
    findRun: db.prepare('SELECT id FROM score_runs WHERE run_dir = ? AND step = ?'),
    insertRun: db.prepare('INSERT INTO score_runs (run_dir, step, started_at) VALUES (?, ?, ?)'),
    todo: db.prepare(`SELECT p.id AS pairId, p.alt_norm AS caption, i.sha256 AS sha256
      FROM pairs p JOIN images i ON i.id = p.image_id LEFT JOIN pair_scores s ON s.pair_id = p.id
      WHERE i.status = 'ok' AND i.sha256 IS NOT NULL AND p.id > ? AND (s.pair_id IS NULL OR s.score_run_id <> ?) AND ${share}
      ORDER BY p.id LIMIT ?`),
    countTodo: db.prepare(`SELECT count(*) FROM pairs p JOIN images i ON i.id = p.image_id LEFT JOIN pair_scores s ON s.pair_id = p.id
      WHERE i.status = 'ok' AND i.sha256 IS NOT NULL AND (s.pair_id IS NULL OR s.score_run_id <> ?) AND ${share}`),
    upsert: db.prepare(`INSERT INTO pair_scores (pair_id, score_run_id, score, error) VALUES (?, ?, ?, ?)
      ON CONFLICT (pair_id) DO UPDATE SET score_run_id = excluded.score_run_id, score = excluded.score, error = excluded.error`),
    counts: db.prepare('SELECT count(*) AS scored, count(score) AS withScore FROM pair_scores'),
    // floor() without the math functions: CAST truncates toward zero, so shift into positives first.
    histogram: db.prepare(`SELECT max(0, min(19, CAST((s.score + 1) * 10 AS INTEGER))) - 10 AS b, count(*) AS n,
      coalesce(sum(d.kept = 1), 0) AS kept
      FROM pair_scores s LEFT JOIN decisions d ON d.pair_id = s.pair_id WHERE s.score IS NOT NULL GROUP BY b ORDER BY b`),
    lastFilterConfig: db.prepare('SELECT config FROM filter_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1'),
    latestRun: db.prepare('SELECT r.run_dir AS runDir, r.step FROM score_runs r WHERE r.id = (SELECT score_run_id FROM pair_scores GROUP BY score_run_id ORDER BY count(*) DESC LIMIT 1)'),
  };
}

/**
 * The score stage's SQL and the scores' statistics. The work list is keyset-paged by pair id:
 * a pair needs a score when it has none or one from another score run, so a killed run resumes
 * and a second run does only new pairs. A partition (score-partition.ts) adds one WHERE term.
 */
export class ScoreStore {
  private readonly stmts: ReturnType<typeof prepareScoreStatements>;

  constructor(readonly db: Db, share = 'true') {
    this.stmts = prepareScoreStatements(db, share);
  }

  /** The id of the score run for (runDir, step), created on first use. */
  scoreRunId(runDir: string, step: number, now: number): number {
    const found = this.stmts.findRun.pluck().get(runDir, step) as number | undefined;
    return found ?? Number(this.stmts.insertRun.run(runDir, step, now).lastInsertRowid);
  }

  /** The next pairs after `afterId` that need a score from `scoreRunId`. */
  pairsToScore(scoreRunId: number, afterId: number, limit: number): PairToScore[] {
    return this.stmts.todo.all(afterId, scoreRunId, limit) as PairToScore[];
  }

  countToScore(scoreRunId: number): number {
    return this.stmts.countTodo.pluck().get(scoreRunId) as number;
  }

  saveScores(scoreRunId: number, rows: readonly ScoreRow[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.stmts.upsert.run(r.pairId, scoreRunId, r.score, r.error);
    })();
  }

  counts(): { scored: number; withScore: number } {
    return this.stmts.counts.get() as { scored: number; withScore: number };
  }

  /** Pairs per score bucket of width 0.1 from -1 to 1. */
  histogram(): ScoreBucket[] {
    const rows = this.stmts.histogram.all() as { b: number; n: number; kept: number }[];
    return rows.map((r) => ({ from: r.b / 10, pairs: r.n, kept: r.kept }));
  }

  /** The score a `keepFraction` keeps down to: the score of the pair at that rank (null without scores). */
  thresholdFor(keepFraction: number): number | null {
    const { withScore } = this.counts();
    if (withScore === 0) return null;
    const offset = Math.max(0, Math.ceil(withScore * keepFraction) - 1);
    return this.db.prepare('SELECT score FROM pair_scores WHERE score IS NOT NULL ORDER BY score DESC LIMIT 1 OFFSET ?').pluck().get(offset) as number;
  }

  /** The model-score options of the last finished filter run (undefined when none or unreadable). */
  lastFilterOptions(): { enabled?: boolean; minScore?: number | null; keepFraction?: number } | undefined {
    const config = this.stmts.lastFilterConfig.pluck().get() as string | undefined;
    if (!config) return undefined;
    try {
      return (JSON.parse(config) as { modelScore?: { enabled?: boolean; minScore?: number | null; keepFraction?: number } }).modelScore;
    } catch {
      return undefined;
    }
  }

  mean(): number | null {
    return this.db.prepare('SELECT avg(score) FROM pair_scores WHERE score IS NOT NULL').pluck().get() as number | null;
  }

  /** The run most of the scores came from. */
  mainRun(): { runDir: string; step: number } | undefined {
    return this.stmts.latestRun.get() as { runDir: string; step: number } | undefined;
  }
}

/** The scores as `stats` and `report` show them. */
export interface ModelScoreStats {
  /** Pairs with a score (their image decoded). */
  scored: number;
  mean: number | null;
  /** The run (and checkpoint step) most scores came from. */
  run: { runDir: string; step: number } | null;
  /** The score the last filter run kept down to, when model-score was enabled in it. */
  threshold: number | null;
  histogram: ScoreBucket[];
}

/** Null when nothing was scored. */
export function collectScoreStats(db: Db): ModelScoreStats | null {
  const store = new ScoreStore(db);
  const { withScore } = store.counts();
  if (withScore === 0) return null;
  const options = store.lastFilterOptions();
  let threshold: number | null = null;
  if (options?.enabled) threshold = options.minScore ?? (options.keepFraction === undefined ? null : store.thresholdFor(options.keepFraction));
  return { scored: withScore, mean: store.mean(), run: store.mainRun() ?? null, threshold, histogram: store.histogram() };
}
