/**
 * Filter tables. Only the filter stage writes them; shard reads `decisions`.
 *
 * Contract with shard: a sample to write is a row of `decisions` with kept = 1. Identical pairs
 * (same image sha256, same normalised alt) are one candidate sample: only its source pair (the
 * first page found) can be kept; the other copies get reason 'duplicate'.
 */
export const FILTER_SCHEMA = `
CREATE TABLE filter_runs (
  id              INTEGER PRIMARY KEY,
  config_hash     TEXT NOT NULL,
  config          TEXT NOT NULL,          -- the filter config as JSON
  started_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  counts          TEXT                    -- JSON summary, written last
);

CREATE TABLE decisions (
  pair_id         INTEGER PRIMARY KEY REFERENCES pairs(id),
  run_id          INTEGER NOT NULL REFERENCES filter_runs(id),
  kept            INTEGER NOT NULL,       -- 1 kept, 0 rejected
  reason          TEXT,                   -- first failing filter (NULL when kept)
  reasons         TEXT                    -- every failing filter, comma-separated (NULL when kept)
);
CREATE INDEX decisions_kept ON decisions(kept, pair_id);
`;
