/**
 * shard tables. Only the shard stage writes them.
 *
 * A kept pair is in at most one shard (`shard_samples.pair_id` is the primary key), so an
 * incremental run writes only pairs that are in neither `shard_samples` nor `shard_failures`.
 */
export const SHARD_SCHEMA = `
CREATE TABLE shards (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,   -- file name in shards/, e.g. train-000003.tar
  split           TEXT NOT NULL,          -- train | val
  number          INTEGER NOT NULL,       -- 3 in train-000003.tar
  samples         INTEGER NOT NULL,
  bytes           INTEGER NOT NULL,
  sha256          TEXT NOT NULL,          -- of the whole tar file
  options_hash    TEXT NOT NULL,          -- the sample options it was written with (size, quality, split)
  created_at      INTEGER NOT NULL,
  UNIQUE (split, number)
);

-- Which pair went into which shard, under which key.
CREATE TABLE shard_samples (
  pair_id         INTEGER PRIMARY KEY REFERENCES pairs(id),
  shard_id        INTEGER NOT NULL REFERENCES shards(id),
  key             TEXT NOT NULL UNIQUE,
  width           INTEGER NOT NULL,       -- as stored
  height          INTEGER NOT NULL
);
CREATE INDEX shard_samples_shard ON shard_samples(shard_id);

-- Kept pairs whose image could not be made into a sample: decode_failed, missing_file.
CREATE TABLE shard_failures (
  pair_id         INTEGER PRIMARY KEY REFERENCES pairs(id),
  sha256          TEXT NOT NULL,
  reason          TEXT NOT NULL,
  detail          TEXT,
  recorded_at     INTEGER NOT NULL
);

-- One row per finished shard run: the summary, written last.
CREATE TABLE shard_runs (
  id              INTEGER PRIMARY KEY,
  started_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  summary         TEXT
);
`;
