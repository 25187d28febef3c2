import type { NewPair } from './crawl.js';
import type { Db } from './db.js';

/**
 * The ingest stage's SQL: progress per input file, and one transaction per batch that writes the
 * batch's pages, images, pairs, their provenance and the file's new resume point together, so a
 * kill -9 leaves either the whole batch or none of it (and the resume point says which).
 */

export interface IngestFileRow {
  id: number;
  source: string;
  format: string;
  size: number | null;
  mtime_ms: number | null;
  position: number;
  records: number;
  pairs: number;
  rejected: number;
  prefiltered: number;
  status: 'running' | 'done';
  error: string | null;
}

/** One pair from a row or record, alt already normalised, URLs in stored form. */
export interface IngestPair extends NewPair {
  position: number;
  pageUrl: string;
  pageHost: string;
  /** 'page' for a real page URL, 'list' for a list file standing in as the page. */
  pageKind: 'page' | 'list';
  pageOptOut: string | null;
  /** The first prefilter rule it failed (its image is then not queued for it). */
  prefilter: string | null;
  /** Saved columns, as JSON. */
  columns: string | null;
}

export interface IngestReject {
  position: number;
  reason: string;
  detail: string | null;
}

export interface IngestBatch {
  pairs: IngestPair[];
  rejects: IngestReject[];
  /** Rows or records this batch covers. */
  records: number;
  /** The file's resume point after this batch. */
  position: number;
}

export interface BatchResult {
  newPairs: number;
  prefiltered: number;
  /** Hosts that got queued images. */
  hosts: Set<string>;
}

export interface SourceCount {
  source: string;
  pairs: number;
  kept: number;
}

export class IngestStore {
  private readonly s;
  /** Page URL → id for the file being read: most rows of a list share one page. */
  private readonly pageIds = new Map<string, number>();

  constructor(readonly db: Db) {
    this.s = prepare(db);
  }

  getFile(source: string): IngestFileRow | undefined {
    return this.s.getFile.get(source) as IngestFileRow | undefined;
  }

  /** The file's progress row, new or (when its size or mtime changed) started over. */
  openFile(source: string, format: string, size: number | null, mtimeMs: number | null, now: number): IngestFileRow {
    const row = this.getFile(source);
    if (!row) this.s.insertFile.run({ source, format, size, mtimeMs, now });
    else if (row.size !== size || row.mtime_ms !== mtimeMs || row.format !== format) this.s.restartFile.run({ id: row.id, format, size, mtimeMs, now });
    this.pageIds.clear();
    return this.getFile(source)!;
  }

  finishFile(id: number, error: string | null, now: number): void {
    this.s.finishFile.run({ id, error, now });
  }

  writeBatch(fileId: number, batch: IngestBatch, now: number): BatchResult {
    return this.db.transaction((): BatchResult => {
      const result: BatchResult = { newPairs: 0, prefiltered: 0, hosts: new Set() };
      for (const pair of batch.pairs) this.writePair(fileId, pair, now, result);
      for (const r of batch.rejects) this.s.insertReject.run({ fileId, ...r });
      this.s.progress.run({
        id: fileId, position: batch.position, records: batch.records, pairs: result.newPairs,
        rejected: batch.rejects.length, prefiltered: result.prefiltered,
      });
      return result;
    })();
  }

  private writePair(fileId: number, pair: IngestPair, now: number, result: BatchResult): void {
    const pageId = this.pageId(pair, now);
    const optedOut = pair.pageOptOut !== null;
    const status = optedOut || pair.prefilter !== null ? 'failed' : 'queued';
    const error = optedOut ? 'page_opt_out' : pair.prefilter !== null ? 'prefiltered' : null;
    const upsert = this.s.upsertImage.run({ url: pair.imageUrl, host: pair.imageHost, status, error, now });
    if (upsert.changes > 0 && status === 'queued') result.hosts.add(pair.imageHost);
    const image = this.s.imageId.get(pair.imageUrl) as { id: number };
    const inserted = this.s.insertPair.run({ pageId, imageId: image.id, ...pair, now });
    if (inserted.changes === 0) return;
    result.newPairs += 1;
    if (pair.prefilter !== null) result.prefiltered += 1;
    this.s.insertSource.run({ pairId: inserted.lastInsertRowid, fileId, position: pair.position, prefilter: pair.prefilter, columns: pair.columns });
  }

  private pageId(pair: IngestPair, now: number): number {
    const known = this.pageIds.get(pair.pageUrl);
    if (known !== undefined) return known;
    this.s.insertPage.run({ url: pair.pageUrl, host: pair.pageHost, kind: pair.pageKind, optOut: pair.pageOptOut, now });
    const id = (this.s.pageId.get(pair.pageUrl) as { id: number }).id;
    // Bounded: a WAT file names ~50k pages; only a list's own page repeats much.
    if (this.pageIds.size >= 10_000) this.pageIds.clear();
    this.pageIds.set(pair.pageUrl, id);
    return id;
  }

  /**
   * A filter's SQL condition over one pair's values (the columns a pair row has before its image
   * is fetched; image columns are NULL): true when the pair is kept. Used by --prefilter, so the
   * condition is the filter's own SQL, evaluated by SQLite exactly as the filter stage does.
   */
  compileCondition(sql: string, params: Record<string, unknown>): (pair: Record<string, unknown>) => boolean {
    const columns = Object.entries(PREFILTER_COLUMNS).map(([column, field]) => `:pf_${field} AS ${column}`);
    const stmt = this.db.prepare(`SELECT (${sql}) AS ok FROM (SELECT ${columns.join(', ')})`).pluck();
    return (pair) => {
      const values: Record<string, unknown> = { ...params };
      for (const field of Object.values(PREFILTER_COLUMNS)) values[`pf_${field}`] = pair[field] ?? null;
      return stmt.get(values) === 1;
    };
  }

  /** Pairs and kept pairs by where they came from: 'crawl', or the ingest format. */
  countBySource(): SourceCount[] {
    return this.s.bySource.all() as SourceCount[];
  }

  /** The same per input file, most pairs first. */
  countByFile(limit: number): SourceCount[] {
    return this.s.byFile.all(limit) as SourceCount[];
  }

  /** Prefilter decisions recorded at ingest: reason (NULL: passed) → pairs. */
  prefilterCounts(): { reason: string | null; n: number }[] {
    return this.s.prefilterCounts.all() as { reason: string | null; n: number }[];
  }
}

/** Pair columns known at ingest → the Pair field that holds each. */
const PREFILTER_COLUMNS = {
  alt_raw: 'altRaw', alt_norm: 'altNorm', alt_key: 'altKey', word_count: 'wordCount', image_url: 'imageUrl',
  image_host: 'imageHost', image_opt_out: 'imageOptOut', page_url: 'pageUrl', page_host: 'pageHost', page_opt_out: 'pageOptOut',
} as const;

function prepare(db: Db) {
  return {
    getFile: db.prepare(`SELECT * FROM ingest_files WHERE source = ?`),
    insertFile: db.prepare(
      `INSERT INTO ingest_files (source, format, size, mtime_ms, started_at) VALUES (@source, @format, @size, @mtimeMs, @now)`,
    ),
    restartFile: db.prepare(
      `UPDATE ingest_files SET format = @format, size = @size, mtime_ms = @mtimeMs, position = 0, records = 0, status = 'running',
         error = NULL, started_at = @now, finished_at = NULL WHERE id = @id`,
    ),
    finishFile: db.prepare(`UPDATE ingest_files SET status = 'done', error = @error, finished_at = @now WHERE id = @id`),
    progress: db.prepare(
      `UPDATE ingest_files SET position = @position, records = records + @records, pairs = pairs + @pairs,
         rejected = rejected + @rejected, prefiltered = prefiltered + @prefiltered WHERE id = @id`,
    ),
    insertPage: db.prepare(
      `INSERT INTO pages (url, host, kind, status, opt_out, discovered_at) VALUES (@url, @host, @kind, 'ingested', @optOut, @now)
       ON CONFLICT (url) DO NOTHING`,
    ),
    pageId: db.prepare(`SELECT id FROM pages WHERE url = ?`),
    // An image another pair skipped (page opt-out, prefilter) is queued when a pair that wants it arrives.
    upsertImage: db.prepare(
      `INSERT INTO images (url, host, status, error, discovered_at) VALUES (@url, @host, @status, @error, @now)
       ON CONFLICT (url) DO UPDATE SET status = 'queued', error = NULL
         WHERE images.error IN ('page_opt_out', 'prefiltered') AND excluded.status = 'queued'`,
    ),
    imageId: db.prepare(`SELECT id FROM images WHERE url = ?`),
    insertPair: db.prepare(
      `INSERT OR IGNORE INTO pairs (page_id, image_id, alt_raw, alt_norm, alt_key, word_count, found_at)
       VALUES (@pageId, @imageId, @altRaw, @altNorm, @altKey, @wordCount, @now)`,
    ),
    insertSource: db.prepare(
      `INSERT INTO ingest_pairs (pair_id, file_id, position, prefilter, columns) VALUES (@pairId, @fileId, @position, @prefilter, @columns)`,
    ),
    insertReject: db.prepare(
      `INSERT OR IGNORE INTO ingest_rejects (file_id, position, reason, detail) VALUES (@fileId, @position, @reason, @detail)`,
    ),
    bySource: db.prepare(
      `SELECT coalesce(f.format, 'crawl') AS source, count(*) AS pairs, coalesce(sum(d.kept), 0) AS kept
       FROM pairs p LEFT JOIN ingest_pairs s ON s.pair_id = p.id LEFT JOIN ingest_files f ON f.id = s.file_id
         LEFT JOIN decisions d ON d.pair_id = p.id
       GROUP BY 1 ORDER BY 2 DESC, 1`,
    ),
    byFile: db.prepare(
      `SELECT f.source AS source, count(*) AS pairs, coalesce(sum(d.kept), 0) AS kept
       FROM ingest_pairs s JOIN ingest_files f ON f.id = s.file_id LEFT JOIN decisions d ON d.pair_id = s.pair_id
       GROUP BY f.id ORDER BY 2 DESC, 1 LIMIT ?`,
    ),
    prefilterCounts: db.prepare(`SELECT prefilter AS reason, count(*) AS n FROM ingest_pairs GROUP BY 1 ORDER BY 2 DESC`),
  };
}
