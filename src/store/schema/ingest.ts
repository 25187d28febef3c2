/**
 * Ingest tables (migration 4): progress per input file, and the provenance of every pair an
 * ingest made. Pages, images and pairs themselves go into the crawl's tables, so filter and shard
 * read ingested pairs exactly as crawled ones.
 *
 * - An ingested page (a WAT/WARC record's target URI, a list's page-url column, or the list file
 *   itself when it has none) has pages.status 'ingested' and fetched_at NULL: the crawler never
 *   claims, refetches or counts it.
 * - A pair the prefilter rejects keeps its row; its image, when no other pair wants it, is
 *   recorded as failed 'prefiltered' and never downloaded.
 */
export const INGEST_SCHEMA = `
CREATE TABLE ingest_files (
  id              INTEGER PRIMARY KEY,
  source          TEXT NOT NULL UNIQUE,             -- absolute path or http(s) URL
  format          TEXT NOT NULL,                    -- txt | csv | tsv | json | jsonl | parquet | wat | warc
  size            INTEGER,                          -- bytes when known (a changed file starts over)
  mtime_ms        INTEGER,
  position        INTEGER NOT NULL DEFAULT 0,       -- resume point: rows done (lists), byte offset of the next record (WAT/WARC)
  records         INTEGER NOT NULL DEFAULT 0,       -- rows or records read
  pairs           INTEGER NOT NULL DEFAULT 0,       -- new pairs stored from this file
  rejected        INTEGER NOT NULL DEFAULT 0,       -- rows that could not become pairs (ingest_rejects)
  prefiltered     INTEGER NOT NULL DEFAULT 0,       -- new pairs the prefilter rejected
  status          TEXT NOT NULL DEFAULT 'running',  -- running | done
  error           TEXT,                             -- why reading stopped early (truncated, ...), NULL when read to the end
  started_at      INTEGER NOT NULL,
  finished_at     INTEGER
);

CREATE TABLE ingest_pairs (
  pair_id         INTEGER PRIMARY KEY REFERENCES pairs(id),
  file_id         INTEGER NOT NULL REFERENCES ingest_files(id),
  position        INTEGER NOT NULL,                 -- row index (lists) or record byte offset (WAT/WARC)
  prefilter       TEXT,                             -- first prefilter rule the pair failed; NULL: passed or not prefiltered
  columns         TEXT                              -- --save-columns values as a JSON object
);
CREATE INDEX ingest_pairs_file ON ingest_pairs(file_id);

CREATE TABLE ingest_rejects (
  file_id         INTEGER NOT NULL REFERENCES ingest_files(id),
  position        INTEGER NOT NULL,
  reason          TEXT NOT NULL,                    -- bad_json, no_url, bad_url, no_caption, ...
  detail          TEXT,
  PRIMARY KEY (file_id, position, reason)
) WITHOUT ROWID;
`;
