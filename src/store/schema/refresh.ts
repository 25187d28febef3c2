/**
 * Refresh tables (migration 3). `refresh` writes refresh_runs and refresh_seeds; the filter stage
 * keeps `withdrawals` (which pairs lost their source's consent) and honours it.
 */
export const REFRESH_SCHEMA = `
-- One row per refresh run (the report page reads it). Times are ISO 8601 (UTC).
CREATE TABLE refresh_runs (
  id              INTEGER PRIMARY KEY,
  started_at      TEXT NOT NULL,
  ended_at        TEXT,                   -- NULL: still running, or killed
  exit_code       INTEGER,                -- 0, 1, 3 (a gate failed), 130 (interrupted); NULL while running
  summary_json    TEXT                    -- the --json summary (deltas and what each stage did)
);

-- The seeds a refresh crawls when none are given: the list given last.
CREATE TABLE refresh_seeds (
  url             TEXT PRIMARY KEY,
  position        INTEGER NOT NULL,
  added_at        TEXT NOT NULL
);

-- Pairs whose page or image, fine when the pair was found, later said noai / noimageai, answered
-- 404 / 410, or became disallowed by robots.txt. The filter records them and never keeps them;
-- a record goes away when its source is fetched fine again (consent given back).
CREATE TABLE withdrawals (
  pair_id         INTEGER PRIMARY KEY REFERENCES pairs(id),
  reason          TEXT NOT NULL,          -- withdrawn_noai | withdrawn_gone | withdrawn_robots
  released        INTEGER NOT NULL,       -- 1: the pair had been kept or sharded when withdrawn
  withdrawn_at    INTEGER NOT NULL        -- unix ms of the filter run that first recorded it
);
`;
