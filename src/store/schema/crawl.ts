/**
 * Crawl tables: the frontier (pages), image URLs, image blobs (by sha256) and pairs.
 * Filter and shard read these; only the crawl stage writes them.
 * Times are unix milliseconds.
 */
export const CRAWL_SCHEMA = `
CREATE TABLE hosts (
  host            TEXT PRIMARY KEY,
  robots_txt      TEXT,              -- body as fetched (NULL: none / not yet)
  robots_status   INTEGER,           -- HTTP status of robots.txt (0: network error)
  robots_fetched_at INTEGER,
  crawl_delay_ms  INTEGER,
  backoff_until   INTEGER            -- 429/503: no request before this time
);

-- The frontier and the page records in one table: status 'queued' rows are the frontier.
CREATE TABLE pages (
  id              INTEGER PRIMARY KEY,
  url             TEXT NOT NULL UNIQUE,
  host            TEXT NOT NULL,
  depth           INTEGER NOT NULL DEFAULT 0,
  kind            TEXT NOT NULL DEFAULT 'page',     -- page | sitemap
  status          TEXT NOT NULL DEFAULT 'queued',   -- queued | fetching | done | failed | skipped
  http_status     INTEGER,                          -- last response (304 after a revalidation)
  error           TEXT,                             -- reason code: http_404, timeout, robots_disallowed, ...
  final_url       TEXT,                             -- after redirects
  content_type    TEXT,
  charset         TEXT,                             -- the encoding the page was decoded with
  bytes           INTEGER,
  etag            TEXT,
  last_modified   TEXT,
  opt_out         TEXT,                             -- 'noai', 'noimageai', 'noai,noimageai' or NULL
  pairs_found     INTEGER,
  discovered_at   INTEGER NOT NULL,
  fetched_at      INTEGER,
  attempts        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pages_status ON pages(status, depth, id);
-- The scheduler claims a host's queued rows in batches: (host, status) first, then BFS order.
CREATE INDEX pages_host ON pages(host, status, depth, id);

-- Image blobs, content-addressed: one row per distinct byte string, whatever its URLs.
CREATE TABLE blobs (
  sha256          TEXT PRIMARY KEY,
  bytes           INTEGER NOT NULL,
  format          TEXT NOT NULL,
  width           INTEGER NOT NULL,                 -- displayed, after EXIF orientation
  height          INTEGER NOT NULL,
  phash           TEXT,                             -- 64-bit perceptual hash, hex (filter computes it once)
  created_at      INTEGER NOT NULL
);

-- One row per image URL.
CREATE TABLE images (
  id              INTEGER PRIMARY KEY,
  url             TEXT NOT NULL UNIQUE,
  host            TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'queued',   -- queued | fetching | ok | failed
  error           TEXT,                             -- http_404, not_image, too_large, decode_failed, robots_disallowed, opt_out, ...
  http_status     INTEGER,
  bytes           INTEGER,                          -- downloaded (decoded) body size
  sha256          TEXT REFERENCES blobs(sha256),    -- set when status = 'ok'
  content_type    TEXT,
  etag            TEXT,
  last_modified   TEXT,
  opt_out         TEXT,                             -- from the image response's X-Robots-Tag
  discovered_at   INTEGER NOT NULL,
  fetched_at      INTEGER,
  attempts        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX images_status ON images(status, id);
CREATE INDEX images_host ON images(host, status, id);
CREATE INDEX images_sha ON images(sha256);

-- One row per <img> with a non-empty alt on a page (deduplicated per page, image URL and alt).
CREATE TABLE pairs (
  id              INTEGER PRIMARY KEY,
  page_id         INTEGER NOT NULL REFERENCES pages(id),
  image_id        INTEGER NOT NULL REFERENCES images(id),
  alt_raw         TEXT NOT NULL,                    -- as found (entities decoded)
  alt_norm        TEXT NOT NULL,                    -- NFC, trimmed, white space collapsed
  alt_key         TEXT NOT NULL,                    -- alt_norm lower-cased: what counting uses
  word_count      INTEGER NOT NULL,
  found_at        INTEGER NOT NULL,
  UNIQUE (page_id, image_id, alt_norm)
);
CREATE INDEX pairs_image ON pairs(image_id);
CREATE INDEX pairs_alt_key ON pairs(alt_key);

-- One row per finished crawl run: the summary, written last.
CREATE TABLE crawl_runs (
  id              INTEGER PRIMARY KEY,
  started_at      INTEGER NOT NULL,
  finished_at     INTEGER,                          -- NULL: unfinished, the next crawl resumes it
  config          TEXT,                             -- the crawl config and seeds as JSON
  summary         TEXT
);
`;
