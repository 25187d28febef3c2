/**
 * Filter tables. Only the filter stage writes them; shard reads `decisions`.
 *
 * Contract with shard: a sample to write is a row of `decisions` with kept = 1. Identical pairs
 * (same image sha256, same normalised alt) are one candidate sample: only its source pair (its
 * first copy) can be kept; the other copies are judged by the filters like it, and those
 * that pass them all get reason 'duplicate'.
 *
 * The filter stage's reading of that contract:
 * - "same normalised alt" compares `pairs.alt_key` (the lower-cased counting key), the key every
 *   count uses, so case variants of one caption on one image are one sample; the source is the
 *   first copy in URL order (smallest page URL, then image URL, then alt_norm: unique per pair),
 *   not the lowest `pairs.id`, so a merge of partitions (pairs numbered partition by partition)
 *   and one machine's crawl pick the same copy. A copy whose source withdrew consent comes last.
 * - Every pair gets a row. Pairs whose image is not fetched and probed (images.status <> 'ok')
 *   are outside the raw dataset: kept = 0, reason 'image_failed', 'image_pending' while the image
 *   is still queued, or 'opt-out' when the crawl skipped it for a noai / noimageai.
 * - A row is rewritten only when kept / reason / reasons change, so `run_id` is the run that last
 *   changed the decision, and re-running with the same config and data writes nothing.
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

-- Perceptual hashes of evaluation images by file, so an unchanged eval set is hashed once.
CREATE TABLE eval_hashes (
  path            TEXT PRIMARY KEY,       -- absolute
  bytes           INTEGER NOT NULL,
  mtime_ms        INTEGER NOT NULL,
  phash           TEXT                    -- 16 hex digits; NULL: not a decodable image
);
`;
