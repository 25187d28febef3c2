import type { Db } from './db.js';

/**
 * The crawl stage's SQL, prepared once. Named parameters (`@id`) where a statement takes more
 * than two; CrawlStore (crawl.ts) wraps them in named methods and transactions.
 */

/** Every statement of the crawl store, prepared once per connection. */
export function prepareCrawlStatements(db: Db) {
  return {
    resetPages: db.prepare(`UPDATE pages SET status = 'queued' WHERE status = 'fetching'`),
    resetImages: db.prepare(`UPDATE images SET status = 'queued' WHERE status = 'fetching'`),
    requeueStalePages: db.prepare(
      `UPDATE pages SET status = 'queued' WHERE fetched_at < ?
         AND (status IN ('done', 'failed') OR (status = 'skipped' AND error = 'robots_disallowed'))`,
    ),
    requeueStaleImages: db.prepare(`UPDATE images SET status = 'queued' WHERE fetched_at < ? AND status IN ('ok', 'failed')`),
    requeueTransientPages: db.prepare(
      `UPDATE pages SET status = 'queued' WHERE status = 'failed' AND error IN (SELECT value FROM json_each(?))`,
    ),
    requeueTransientImages: db.prepare(
      `UPDATE images SET status = 'queued' WHERE status = 'failed' AND error IN (SELECT value FROM json_each(?))`,
    ),
    insertSeed: db.prepare(
      `INSERT INTO pages (url, host, depth, kind, discovered_at) VALUES (@url, @host, 0, @kind, @now)
       ON CONFLICT (url) DO UPDATE SET depth = 0 WHERE pages.depth > 0`,
    ),
    insertPage: db.prepare(
      `INSERT INTO pages (url, host, depth, kind, discovered_at) VALUES (@url, @host, @depth, @kind, @now)
       ON CONFLICT (url) DO NOTHING`,
    ),
    // A URL on a host another partition owns: recorded for its owner (merge hands it over), never fetched here.
    insertForeignPage: db.prepare(
      `INSERT INTO pages (url, host, depth, kind, status, discovered_at) VALUES (@url, @host, @depth, @kind, 'handover', @now)
       ON CONFLICT (url) DO UPDATE SET depth = excluded.depth WHERE pages.status = 'handover' AND excluded.depth < pages.depth`,
    ),
    handoverCounts: db.prepare(
      `SELECT (SELECT count(*) FROM pages WHERE status = 'handover') AS pages,
              (SELECT count(*) FROM images WHERE status = 'handover') AS images`,
    ),
    insertRedirectTarget: db.prepare(
      `INSERT INTO pages (url, host, depth, kind, status, error, discovered_at)
       VALUES (@url, @host, @depth, @kind, 'skipped', 'redirect_target', @now) ON CONFLICT (url) DO NOTHING`,
    ),
    queuedHosts: db.prepare(
      `SELECT DISTINCT host FROM pages WHERE status = 'queued' UNION SELECT DISTINCT host FROM images WHERE status = 'queued'`,
    ),
    claimPages: db.prepare(
      `UPDATE pages SET status = 'fetching' WHERE id IN (
         SELECT id FROM pages WHERE host = ? AND status = 'queued' ORDER BY depth, id LIMIT ?)
       RETURNING id, url, host, depth, kind, etag, last_modified, attempts`,
    ),
    claimSitemaps: db.prepare(
      `UPDATE pages SET status = 'fetching' WHERE id IN (
         SELECT id FROM pages WHERE host = ? AND status = 'queued' AND kind = 'sitemap' ORDER BY depth, id LIMIT ?)
       RETURNING id, url, host, depth, kind, etag, last_modified, attempts`,
    ),
    claimImages: db.prepare(
      `UPDATE images SET status = 'fetching' WHERE id IN (
         SELECT id FROM images WHERE host = ? AND status = 'queued' ORDER BY id LIMIT ?)
       RETURNING id, url, host, sha256, etag, last_modified, attempts`,
    ),
    unclaimPage: db.prepare(`UPDATE pages SET status = 'queued' WHERE id = ? AND status = 'fetching'`),
    unclaimImage: db.prepare(`UPDATE images SET status = 'queued' WHERE id = ? AND status = 'fetching'`),
    getHost: db.prepare(`SELECT * FROM hosts WHERE host = ?`),
    saveRobots: db.prepare(
      `INSERT INTO hosts (host, robots_txt, robots_status, robots_fetched_at, crawl_delay_ms)
       VALUES (@host, @robotsTxt, @status, @now, @crawlDelayMs)
       ON CONFLICT (host) DO UPDATE SET robots_txt = excluded.robots_txt, robots_status = excluded.robots_status,
         robots_fetched_at = excluded.robots_fetched_at, crawl_delay_ms = excluded.crawl_delay_ms`,
    ),
    saveBackoff: db.prepare(
      `INSERT INTO hosts (host, backoff_until) VALUES (@host, @until)
       ON CONFLICT (host) DO UPDATE SET backoff_until = excluded.backoff_until`,
    ),
    hasBlob: db.prepare(`SELECT 1 FROM blobs WHERE sha256 = ?`),
    pageDone: db.prepare(
      `UPDATE pages SET status = 'done', error = NULL, http_status = @httpStatus, final_url = @finalUrl,
         content_type = @contentType, charset = @charset, bytes = @bytes, etag = @etag, last_modified = @lastModified,
         opt_out = @optOut, kind = @kind, pairs_found = @pairsFound, fetched_at = @now, attempts = @attempts
       WHERE id = @id`,
    ),
    pageNotModified: db.prepare(
      `UPDATE pages SET status = 'done', http_status = 304, fetched_at = @now, attempts = @attempts WHERE id = @id`,
    ),
    pageFailed: db.prepare(
      `UPDATE pages SET status = @status, error = @reason, http_status = @httpStatus, fetched_at = @now, attempts = @attempts
       WHERE id = @id`,
    ),
    upsertImage: db.prepare(
      `INSERT INTO images (url, host, status, error, discovered_at) VALUES (@url, @host, @status, @error, @now)
       ON CONFLICT (url) DO UPDATE SET status = excluded.status, error = NULL
         WHERE images.error = 'page_opt_out' AND excluded.status IN ('queued', 'handover')`,
    ),
    imageId: db.prepare(`SELECT id FROM images WHERE url = ?`),
    clearNotPaired: db.prepare(`DELETE FROM imgs_not_paired WHERE page_id = ?`),
    insertNotPaired: db.prepare(`INSERT INTO imgs_not_paired (page_id, reason, n) VALUES (?, ?, ?)`),
    notPairedSince: db.prepare(
      `SELECT u.reason, sum(u.n) AS n FROM imgs_not_paired u JOIN pages p ON p.id = u.page_id
       WHERE p.fetched_at >= ? GROUP BY u.reason ORDER BY u.reason`,
    ),
    insertPair: db.prepare(
      `INSERT OR IGNORE INTO pairs (page_id, image_id, alt_raw, alt_norm, alt_key, word_count, found_at)
       VALUES (@pageId, @imageId, @altRaw, @altNorm, @altKey, @wordCount, @now)`,
    ),
    insertBlob: db.prepare(
      `INSERT OR IGNORE INTO blobs (sha256, bytes, format, width, height, created_at)
       VALUES (@sha256, @bytes, @format, @width, @height, @now)`,
    ),
    imageOk: db.prepare(
      `UPDATE images SET status = 'ok', error = NULL, sha256 = @sha256, http_status = @httpStatus, content_type = @contentType,
         etag = @etag, last_modified = @lastModified, opt_out = NULL, bytes = @bytes, fetched_at = @now, attempts = @attempts
       WHERE id = @id`,
    ),
    imageNotModified: db.prepare(
      `UPDATE images SET status = 'ok', http_status = 304, fetched_at = @now, attempts = @attempts WHERE id = @id`,
    ),
    // A failed refetch drops the blob link: the bytes at this URL are no longer known to be good.
    imageFailed: db.prepare(
      `UPDATE images SET status = 'failed', error = @reason, http_status = @httpStatus, sha256 = NULL, opt_out = @optOut,
         bytes = @bytes, fetched_at = @now, attempts = @attempts
       WHERE id = @id`,
    ),
    unfinishedRun: db.prepare(`SELECT id, started_at, config FROM crawl_runs WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1`),
    startRun: db.prepare(`INSERT INTO crawl_runs (started_at, config) VALUES (?, ?)`),
    updateRunConfig: db.prepare(`UPDATE crawl_runs SET config = ? WHERE id = ?`),
    finishRun: db.prepare(`UPDATE crawl_runs SET finished_at = ?, summary = ? WHERE id = ?`),
    pagesFetchedSince: db.prepare(
      `SELECT count(*) AS n FROM pages WHERE fetched_at >= ? AND kind = 'page' AND status IN ('done', 'failed')`,
    ),
    pageCounts: db.prepare(
      `SELECT kind, status, error, coalesce(http_status = 304, 0) AS not_modified, count(*) AS n,
         coalesce(sum(bytes), 0) AS bytes
       FROM pages WHERE fetched_at >= ? AND status <> 'fetching' GROUP BY 1, 2, 3, 4`,
    ),
    imageCounts: db.prepare(
      `SELECT 'image' AS kind, status, error, coalesce(http_status = 304, 0) AS not_modified, count(*) AS n,
         coalesce(sum(bytes), 0) AS bytes
       FROM images WHERE fetched_at >= ? AND status <> 'fetching' GROUP BY 1, 2, 3, 4`,
    ),
    optedOutSince: db.prepare(`SELECT count(*) AS n FROM pages WHERE fetched_at >= ? AND opt_out IS NOT NULL`),
    pairsSince: db.prepare(`SELECT count(*) AS n FROM pairs WHERE found_at >= ?`),
    queuedCounts: db.prepare(
      `SELECT (SELECT count(*) FROM pages WHERE status = 'queued') AS pages,
              (SELECT count(*) FROM images WHERE status = 'queued') AS images`,
    ),
  };
}
