/**
 * Partitioned runs (migration 6). A partition's store records which partition it is, so a
 * later run with another I/N, and `merge`, can tell. Rows a partition found on hosts it does
 * not own stay in pages/images with status 'handover': recorded for their owner, never fetched
 * here; `merge` hands them over into the owner's store.
 */
export const PARTITION_SCHEMA = `
CREATE TABLE partition_meta (
  id              INTEGER PRIMARY KEY CHECK (id = 1),   -- one row
  part_index      INTEGER NOT NULL,
  part_count      INTEGER NOT NULL,
  source          TEXT NOT NULL,                        -- flag | slurm | kubernetes
  set_at          INTEGER NOT NULL
);

-- The stores merged into this one: merging a partition again replaces what it brought.
CREATE TABLE merge_sources (
  dir             TEXT PRIMARY KEY,                     -- absolute data dir of the partition
  part_index      INTEGER,
  part_count      INTEGER,
  merged_at       INTEGER NOT NULL,
  pages           INTEGER NOT NULL,
  images          INTEGER NOT NULL,
  pairs           INTEGER NOT NULL,
  fingerprint     TEXT                                  -- row counts and latest times: unchanged → not merged again
);
`;
