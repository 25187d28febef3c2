import { hostPartition } from '../util/partition.js';
import type { Db } from './db.js';
import { mergeExtrasAttached } from './merge-extras.js';

/**
 * `merge`'s SQL: partition stores are ATTACHed to the merged store (or to an owner's store for
 * the handover) and copied with INSERT ... SELECT, keyed by URL, so ids may differ per store
 * and merging the same partition again changes nothing. A partition is authoritative for the
 * rows on hosts it owns (`align_part(host, n)`, registered by the caller, is the shared host
 * hash); what it recorded for other hosts ('handover' rows) never overwrites an owner's row.
 */

const PAGE_COLS = `host, depth, kind, status, http_status, error, final_url, content_type, charset, bytes, etag,
  last_modified, opt_out, pairs_found, discovered_at, fetched_at, attempts`;
const IMAGE_COLS = `host, status, error, http_status, bytes, sha256, content_type, etag, last_modified, opt_out,
  discovered_at, fetched_at, attempts`;

function setAll(cols: string): string {
  return cols.split(',').map((c) => `${c.trim()} = excluded.${c.trim()}`).join(', ');
}

/** A killed task leaves rows 'fetching': in the merged store they are still to do. */
const STATUS = `CASE status WHEN 'fetching' THEN 'queued' ELSE status END`;

export interface MergeCounts {
  pages: number;
  images: number;
  pairs: number;
  blobs: number;
}

export interface SourceMeta {
  index: number;
  count: number;
}

/** How many rows of each kind the store holds. */
function counts(db: Db): MergeCounts {
  return db
    .prepare(
      `SELECT (SELECT count(*) FROM main.pages) AS pages, (SELECT count(*) FROM main.images) AS images,
              (SELECT count(*) FROM main.pairs) AS pairs, (SELECT count(*) FROM main.blobs) AS blobs`,
    )
    .get() as MergeCounts;
}

/**
 * The merged store's page cache for a merge: 256 MB instead of SQLite's 2 MB. A partition is
 * merged in one transaction; with 2 MB its random index inserts (alt_key, image_id, URLs) spill
 * dirty pages to the WAL and read them back, and the pairs' sort spills to temp files.
 */
export function tuneMergeStore(db: Db): void {
  db.pragma('cache_size = -262144');
}

export function attach(db: Db, path: string): void {
  db.prepare(`ATTACH DATABASE ? AS src`).run(path);
}

export function detach(db: Db): void {
  db.exec(`DETACH DATABASE src`);
}

/** Copies the attached partition `src` into the merged store; returns the rows that are new here. */
export function mergeAttached(db: Db, part: SourceMeta): MergeCounts {
  const before = counts(db);
  const owned = `align_part(host, ${part.count}) = ${part.index}`;
  db.transaction(() => {
    db.exec(`
      INSERT INTO main.pages (url, ${PAGE_COLS})
      SELECT url, host, depth, kind, ${STATUS}, http_status, error, final_url, content_type, charset, bytes, etag,
             last_modified, opt_out, pairs_found, discovered_at, fetched_at, attempts
      FROM src.pages WHERE status <> 'handover' AND ${owned}
      ON CONFLICT (url) DO UPDATE SET ${setAll(PAGE_COLS)};
      INSERT INTO main.pages (url, host, depth, kind, status, discovered_at)
      SELECT url, host, depth, kind, 'queued', discovered_at FROM src.pages WHERE status = 'handover'
      ON CONFLICT (url) DO NOTHING;
      -- Ingested pages are never fetched, so no partition owns them: every partition that read
      -- a row of theirs has one (the list file itself, or a page URL column on any host).
      INSERT INTO main.pages (url, host, depth, kind, status, opt_out, discovered_at)
      SELECT url, host, depth, kind, status, opt_out, discovered_at FROM src.pages WHERE status = 'ingested'
      ON CONFLICT (url) DO NOTHING;
      INSERT OR IGNORE INTO main.blobs (sha256, bytes, format, width, height, phash, created_at)
      SELECT sha256, bytes, format, width, height, phash, created_at FROM src.blobs;
      INSERT INTO main.images (url, ${IMAGE_COLS})
      SELECT url, host, ${STATUS}, error, http_status, bytes, sha256, content_type, etag, last_modified, opt_out,
             discovered_at, fetched_at, attempts
      FROM src.images WHERE status <> 'handover' AND ${owned}
      ON CONFLICT (url) DO UPDATE SET ${setAll(IMAGE_COLS)};
      INSERT INTO main.images (url, host, status, error, discovered_at)
      SELECT url, host, CASE status WHEN 'handover' THEN 'queued' ELSE status END, error, discovered_at
      FROM src.images WHERE status = 'handover' OR NOT (${owned})
      ON CONFLICT (url) DO UPDATE SET status = 'queued', error = NULL
        WHERE images.status = 'failed' AND images.error = 'page_opt_out' AND excluded.status = 'queued';
      INSERT OR IGNORE INTO main.pairs (page_id, image_id, alt_raw, alt_norm, alt_key, word_count, found_at)
      SELECT mp.id, mi.id, p.alt_raw, p.alt_norm, p.alt_key, p.word_count, p.found_at
      FROM src.pairs p JOIN src.pages sp ON sp.id = p.page_id JOIN src.images si ON si.id = p.image_id
      JOIN main.pages mp ON mp.url = sp.url JOIN main.images mi ON mi.url = si.url
      ORDER BY p.found_at, p.id;
    `);
    mergeExtrasAttached(db, owned);
  })();
  const after = counts(db);
  return { pages: after.pages - before.pages, images: after.images - before.images, pairs: after.pairs - before.pairs, blobs: after.blobs - before.blobs };
}

/** The attached partition's blobs (their files are linked or copied into the merged images dir). */
export function* attachedBlobs(db: Db): Generator<string> {
  for (const row of db.prepare(`SELECT sha256 FROM src.blobs`).iterate()) yield (row as { sha256: string }).sha256;
}

interface SourceState {
  pages: number;
  images: number;
  pairs: number;
  fingerprint: string;
}

/**
 * What the attached partition holds, in short: its row counts and latest times. A crawl never
 * deletes a row and stamps every fetch, so an unchanged fingerprint means nothing to merge.
 */
function sourceState(db: Db): SourceState {
  const c = db
    .prepare(
      `SELECT (SELECT count(*) FROM src.pages) AS pages, (SELECT count(*) FROM src.images) AS images,
              (SELECT count(*) FROM src.pairs) AS pairs, (SELECT count(*) FROM src.blobs) AS blobs,
              (SELECT max(fetched_at) FROM src.pages) AS pf, (SELECT max(fetched_at) FROM src.images) AS imf,
              (SELECT count(*) FROM src.pages WHERE status IN ('queued', 'fetching')) AS pq,
              (SELECT count(*) FROM src.images WHERE status IN ('queued', 'fetching')) AS iq`,
    )
    .get() as Record<string, number | null>;
  return { pages: c.pages!, images: c.images!, pairs: c.pairs!, fingerprint: JSON.stringify(c) };
}

/** Whether the attached partition changed since it was last merged from `dir`. */
export function sourceChanged(db: Db, dir: string): boolean {
  const row = db.prepare(`SELECT fingerprint FROM merge_sources WHERE dir = ?`).get(dir) as { fingerprint: string | null } | undefined;
  return row?.fingerprint !== sourceState(db).fingerprint;
}

export function recordSource(db: Db, dir: string, part: SourceMeta | null, now: number): void {
  const c = sourceState(db);
  db.prepare(
    `INSERT INTO merge_sources (dir, part_index, part_count, merged_at, pages, images, pairs, fingerprint)
     VALUES (@dir, @index, @count, @now, @pages, @images, @pairs, @fingerprint)
     ON CONFLICT (dir) DO UPDATE SET part_index = excluded.part_index, part_count = excluded.part_count,
       merged_at = excluded.merged_at, pages = excluded.pages, images = excluded.images, pairs = excluded.pairs,
       fingerprint = excluded.fingerprint`,
  ).run({ dir, index: part?.index ?? null, count: part?.count ?? null, now, ...c });
}

/**
 * Hands the attached partition's 'handover' rows on hosts the main store's partition owns into
 * its frontier (as a crawl would have queued them); returns how many rows changed.
 * A link found again at a smaller depth moves a still-queued page up, as in one crawl.
 */
export function handOverAttached(db: Db, owner: SourceMeta): number {
  const mine = `align_part(host, ${owner.count}) = ${owner.index}`;
  return db.transaction(() => {
    const pages = db
      .prepare(
        `INSERT INTO main.pages (url, host, depth, kind, discovered_at)
         SELECT url, host, depth, kind, discovered_at FROM src.pages WHERE status = 'handover' AND ${mine}
         ON CONFLICT (url) DO UPDATE SET depth = excluded.depth WHERE pages.status = 'queued' AND excluded.depth < pages.depth`,
      )
      .run().changes;
    const images = db
      .prepare(
        `INSERT INTO main.images (url, host, discovered_at)
         SELECT url, host, discovered_at FROM src.images WHERE status = 'handover' AND ${mine}
         ON CONFLICT (url) DO UPDATE SET status = 'queued', error = NULL WHERE images.status = 'failed' AND images.error = 'page_opt_out'`,
      )
      .run().changes;
    return pages + images;
  })();
}

/**
 * `align_part(host, n)`: the shared host hash, for the statements above. The statements call it
 * once per row and a host has many rows, so each host's answer is remembered (a sha256 per row
 * was a sixth of merge's CPU time); the memo is emptied when it reaches 100,000 hosts.
 */
export function registerHostPartition(db: Db): void {
  const memo = new Map<string, number>();
  db.function('align_part', { deterministic: true }, (host: unknown, n: unknown) => {
    const key = `${String(n)} ${String(host)}`;
    let part = memo.get(key);
    if (part === undefined) {
      if (memo.size >= 100_000) memo.clear();
      part = hostPartition(String(host), Number(n));
      memo.set(key, part);
    }
    return part;
  });
}

/** Pages and images the merged store still has to fetch (queued in their owner, or handed over and not yet crawled). */
export function pendingCount(db: Db): number {
  return (db.prepare(`SELECT (SELECT count(*) FROM pages WHERE status = 'queued') + (SELECT count(*) FROM images WHERE status = 'queued') AS n`).get() as { n: number }).n;
}
