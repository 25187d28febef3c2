/**
 * Model scores (migration 5): the image/caption cosine of each pair under a trained run, for the
 * `model-score` filter. A pair keeps one score, from the run that last scored it; scoring with
 * another run (or checkpoint) rescores every pair. `score` is NULL when the image did not decode.
 */
export const SCORES_SCHEMA = `
CREATE TABLE score_runs (
  id          INTEGER PRIMARY KEY,
  run_dir     TEXT NOT NULL,
  step        INTEGER NOT NULL,
  started_at  INTEGER NOT NULL,
  UNIQUE (run_dir, step)
);
CREATE TABLE pair_scores (
  pair_id       INTEGER PRIMARY KEY REFERENCES pairs(id) ON DELETE CASCADE,
  score_run_id  INTEGER NOT NULL REFERENCES score_runs(id),
  score         REAL,
  error         TEXT
);
CREATE INDEX pair_scores_score ON pair_scores(score);
`;
