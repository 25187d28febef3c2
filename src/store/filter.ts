import type { Db } from './db.js';
import { columnsUsed, decisionSql, UPSERT_TAIL, type DecisionStep, type SqlStep } from './filter-decisions.js';
import { updateWithdrawals } from './withdrawals.js';

export { PAIR_COLUMNS, type DecisionStep, type JsStep, type SqlStep } from './filter-decisions.js';

/**
 * The filter stage's SQL. The counts are temp tables built with set-based SQL (never a whole table
 * in JS memory); the decisions are one INSERT ... SELECT over them that evaluates every filter.
 *
 * Temp tables (per connection, on disk):
 *   f_alts         alt_id ↔ alt_key (ids in key order)
 *   f_images       ok image URL → blob (the rowid of its sha256 in blobs), size, opt-out
 *   f_pairs        the raw dataset: one row per pair whose image is ok, with its alt and blob ids
 *   f_samples      one row per (alt, blob): the candidate sample, its source pair, its pair count,
 *                  and the distinct images of its alt;  f_copied  the samples with several pairs
 *   f_blob_counts  distinct alts per blob;  f_image_facts  f_images plus its blob's alt count
 *   f_opt_pages    the pages that carry an opt-out (few: a small table to probe)
 *   f_alt_ranks    the rare-token rank of each alt (filled by the stage only when a filter reads it)
 *
 * The columns the default filters read are copied into these narrow tables, so that judging a
 * million pairs never reaches into the wide pairs / images / blobs / pages tables.
 */

const COUNT_TABLES = `
DROP TABLE IF EXISTS temp.f_alts; DROP TABLE IF EXISTS temp.f_images; DROP TABLE IF EXISTS temp.f_pairs;
DROP TABLE IF EXISTS temp.f_samples; DROP TABLE IF EXISTS temp.f_blob_counts; DROP TABLE IF EXISTS temp.f_image_facts;
DROP TABLE IF EXISTS temp.f_opt_pages; DROP TABLE IF EXISTS temp.f_alt_ranks; DROP TABLE IF EXISTS temp.f_copied;
CREATE TEMP TABLE f_alts (alt_id INTEGER PRIMARY KEY, alt_key TEXT NOT NULL UNIQUE);
CREATE TEMP TABLE f_images (image_id INTEGER PRIMARY KEY, blob_id INTEGER NOT NULL, width INTEGER NOT NULL,
  height INTEGER NOT NULL, opt_out TEXT);
CREATE TEMP TABLE f_pairs (pair_id INTEGER PRIMARY KEY, alt_id INTEGER NOT NULL, blob_id INTEGER NOT NULL,
  image_id INTEGER NOT NULL, page_id INTEGER NOT NULL, word_count INTEGER NOT NULL);
CREATE TEMP TABLE f_samples (alt_id INTEGER NOT NULL, blob_id INTEGER NOT NULL, source_pair INTEGER NOT NULL,
  pairs INTEGER NOT NULL, alt_images INTEGER NOT NULL, PRIMARY KEY (alt_id, blob_id)) WITHOUT ROWID;
CREATE TEMP TABLE f_copied (alt_id INTEGER NOT NULL, blob_id INTEGER NOT NULL, PRIMARY KEY (alt_id, blob_id)) WITHOUT ROWID;
CREATE TEMP TABLE f_blob_counts (blob_id INTEGER PRIMARY KEY, alts INTEGER NOT NULL);
CREATE TEMP TABLE f_image_facts (image_id INTEGER PRIMARY KEY, width INTEGER NOT NULL, height INTEGER NOT NULL,
  opt_out TEXT, alts INTEGER NOT NULL);
CREATE TEMP TABLE f_opt_pages (page_id INTEGER PRIMARY KEY, opt_out TEXT NOT NULL);
CREATE TEMP TABLE f_alt_ranks (alt_id INTEGER PRIMARY KEY, token_rank INTEGER NOT NULL);
`;

/** The count steps, in order; each is one set-based statement. */
const COUNT_STEPS: readonly [string, string][] = [
  // DISTINCT over the pairs_alt_key index, inserted in key order: no sort, sequential inserts.
  ['alts', 'INSERT INTO f_alts (alt_key) SELECT DISTINCT alt_key FROM pairs ORDER BY alt_key'],
  ['images', `INSERT INTO f_images SELECT i.id, b.rowid, b.width, b.height, i.opt_out
     FROM images i JOIN blobs b ON b.sha256 = i.sha256 WHERE i.status = 'ok'`],
  // CROSS JOIN keeps pairs the outer loop: one sequential scan, rows appended in id order.
  ['pairs', `INSERT INTO f_pairs SELECT p.id, a.alt_id, m.blob_id, p.image_id, p.page_id, p.word_count FROM pairs p
     CROSS JOIN f_images m ON m.image_id = p.image_id CROSS JOIN f_alts a ON a.alt_key = p.alt_key`],
  // Grouped rows come out in (alt, blob) order, so counting each alt's images is a streaming window.
  // source_pair is the sample's only pair here; the 'sources' step picks it among several copies.
  ['samples', `INSERT INTO f_samples SELECT alt_id, blob_id, source_pair, pairs, count(*) OVER (PARTITION BY alt_id)
     FROM (SELECT alt_id, blob_id, min(pair_id) AS source_pair, count(*) AS pairs FROM f_pairs
           GROUP BY alt_id, blob_id ORDER BY alt_id, blob_id)`],
  // The source of a sample found on several pages is its first copy in URL order (page URL, image
  // URL, alt: unique per pair), not by pair id: ids follow insertion order, which differs between a
  // single crawl and a merge of partitions (numbered partition by partition). Copies whose source
  // withdrew consent come last (WITHDRAWN). Only samples with copies are looked at: few, so the
  // wide tables are read for them alone, and the pairs probe a small table of them (f_copied:
  // 40 % faster than probing f_samples at 1M pairs).
  ['copied samples', 'INSERT INTO f_copied SELECT alt_id, blob_id FROM f_samples WHERE pairs > 1'],
  ['sources', `UPDATE f_samples SET source_pair = c.pair_id FROM (
       SELECT alt_id, blob_id, pair_id FROM (
         SELECT f.alt_id, f.blob_id, f.pair_id,
           row_number() OVER (PARTITION BY f.alt_id, f.blob_id ORDER BY WITHDRAWN g.url, i.url, p.alt_norm) AS copy
         FROM f_pairs f CROSS JOIN f_copied s ON s.alt_id = f.alt_id AND s.blob_id = f.blob_id
           CROSS JOIN pages g ON g.id = f.page_id CROSS JOIN images i ON i.id = f.image_id CROSS JOIN pairs p ON p.id = f.pair_id)
       WHERE copy = 1) c
     WHERE f_samples.alt_id = c.alt_id AND f_samples.blob_id = c.blob_id`],
  ['alts per image', 'INSERT INTO f_blob_counts SELECT blob_id, count(*) FROM f_samples GROUP BY blob_id ORDER BY blob_id'],
  ['image facts', `INSERT INTO f_image_facts SELECT m.image_id, m.width, m.height, m.opt_out, c.alts
     FROM f_images m JOIN f_blob_counts c ON c.blob_id = m.blob_id`],
  ['page opt-outs', 'INSERT INTO f_opt_pages SELECT id, opt_out FROM pages WHERE opt_out IS NOT NULL'],
];

export interface RawFacts {
  pairs: number;
  images: number;
  samples: number;
  maxDistinctTokens: number;
}

export interface DecisionCounts {
  pairs: number;
  kept: number;
  /** Pairs by first failing filter (or 'duplicate', 'image_failed', 'image_pending'). */
  first: Record<string, number>;
  /** Pairs failing each filter, whatever else they fail. */
  any: Record<string, number>;
}

/** The filter store's fixed statements, prepared once per connection, with parameters and rows typed. */
function prepareFilterStatements(db: Db) {
  return {
    insertRun: db.prepare<[configHash: string, config: string, startedAt: number]>('INSERT INTO filter_runs (config_hash, config, started_at) VALUES (?, ?, ?)'),
    finishRun: db.prepare<[finishedAt: number, counts: string, runId: number]>('UPDATE filter_runs SET finished_at = ?, counts = ? WHERE id = ?'),
    blobsWithoutPhash: db.prepare<[afterId: number, limit: number], { id: number; sha256: string }>('SELECT rowid AS id, sha256 FROM blobs WHERE phash IS NULL AND rowid > ? ORDER BY rowid LIMIT ?'),
    setPhash: db.prepare<[phash: string, sha256: string]>('UPDATE blobs SET phash = ? WHERE sha256 = ?'),
    getEvalHash: db.prepare<[path: string], { bytes: number; mtimeMs: number; phash: string | null }>('SELECT bytes, mtime_ms AS mtimeMs, phash FROM eval_hashes WHERE path = ?'),
    putEvalHash: db.prepare<[path: string, bytes: number, mtimeMs: number, phash: string | null]>('INSERT OR REPLACE INTO eval_hashes (path, bytes, mtime_ms, phash) VALUES (?, ?, ?, ?)'),
    byReasons: db.prepare<[], { reasons: string | null; n: number }>('SELECT reasons, count(*) AS n FROM decisions GROUP BY reasons'),
  };
}

type FilterStatements = ReturnType<typeof prepareFilterStatements>;

export class FilterStore {
  readonly db: Db;
  private readonly stmts: FilterStatements;
  /** Whether any pair is withdrawn (updateWithdrawals): the statements join them only then. */
  private withdrawals = false;

  constructor(db: Db) {
    this.db = db;
    // Temp tables spill to disk; caches bounded so a big store runs in a few hundred MB.
    db.pragma('temp_store = FILE');
    db.pragma('cache_size = -65536');
    db.pragma('temp.cache_size = -65536');
    this.stmts = prepareFilterStatements(db);
  }

  /** Creates the (empty) count tables, so that filter conditions can be compiled before any work. */
  createCountTables(): void {
    this.db.exec(COUNT_TABLES);
  }

  /** Brings the withdrawals up to date (withdrawals.ts): before fillCounts, which reads them. */
  updateWithdrawals(now: number): { recorded: number; cleared: number; total: number } {
    const result = updateWithdrawals(this.db, now);
    this.withdrawals = result.total > 0;
    return result;
  }

  /** Fills the count tables over the raw dataset; `onStep` hears each step's name before it runs. */
  fillCounts(onStep: (step: string) => void = () => {}): RawFacts {
    // A sample copied on several pages is sourced from a copy whose page still consents.
    const withdrawn = this.withdrawals ? 'f.pair_id IN (SELECT pair_id FROM withdrawals),' : '';
    for (const [name, sql] of COUNT_STEPS) {
      onStep(name);
      this.db.prepare(sql.replace('WITHDRAWN', withdrawn)).run();
    }
    const one = (sql: string): number => (this.db.prepare(sql).pluck().get() as number | null) ?? 0;
    return {
      pairs: one('SELECT count(*) FROM f_pairs'),
      images: one('SELECT count(*) FROM f_blob_counts'),
      samples: one('SELECT count(*) FROM f_samples'),
      // A text of w words has w unigrams and w - 1 bigrams: summed over the distinct alts, a bound.
      maxDistinctTokens: one(`SELECT sum(2 * (length(alt_key) - length(replace(alt_key, ' ', ''))) + 1) FROM f_alts`),
    };
  }

  /**
   * Streams [alt_id, counting key as UTF-8 bytes, pairs] for every alt of the raw dataset, in
   * alt_id order as it comes (f_samples grouped along its key; no sort is asked for, and the
   * caller does not depend on it). Bytes, not a string: the token count compares bytes and needs
   * no decoding. Write nothing while it is open.
   */
  iterateAltKeys(): IterableIterator<[number, Uint8Array, number]> {
    return this.db
      .prepare(`SELECT c.alt_id, CAST(a.alt_key AS BLOB), c.pairs FROM (SELECT alt_id, sum(pairs) AS pairs FROM f_samples GROUP BY alt_id) c
        JOIN f_alts a ON a.alt_id = c.alt_id`)
      .raw()
      .iterate() as IterableIterator<[number, Uint8Array, number]>;
  }

  /** Stores alt ranks, in batches of one transaction each. */
  writeTokenRanks(ranks: Iterable<[altId: number, rank: number]>, batchSize = 50_000): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO f_alt_ranks (alt_id, token_rank) VALUES (?, ?)');
    const flush = this.db.transaction((rows: [number, number][]) => {
      for (const [id, rank] of rows) insert.run(id, rank);
    });
    let batch: [number, number][] = [];
    for (const row of ranks) {
      batch.push(row);
      if (batch.length >= batchSize) {
        flush(batch);
        batch = [];
      }
    }
    flush(batch);
  }

  startRun(configHash: string, configJson: string, now: number): number {
    return Number(this.stmts.insertRun.run(configHash, configJson, now).lastInsertRowid);
  }

  finishRun(runId: number, counts: unknown, now: number): void {
    this.stmts.finishRun.run(now, JSON.stringify(counts), runId);
  }

  /** The columns (of PAIR_COLUMNS) that these steps read. */
  columnsUsed(steps: readonly DecisionStep[]): Set<string> {
    return columnsUsed(steps);
  }

  /** Checks that a step's SQL compiles against the pair columns; throws SQLite's message if not. */
  checkStep(step: SqlStep): void {
    this.db.prepare(decisionSql([step], 0).sql);
  }

  /**
   * Writes a decision for every pair, in one transaction: the raw dataset judged by `steps` (all of
   * them evaluated, the first failure is the reason), the rest 'image_failed' / 'image_pending', or
   * 'opt-out' where the crawl did not download the image because the page or image opted out.
   * Returns how many rows were inserted or changed.
   */
  writeDecisions(runId: number, steps: readonly DecisionStep[]): number {
    const { sql, params } = decisionSql(steps, runId, this.withdrawals);
    steps.forEach((step, i) => {
      if ('columns' in step) this.db.function(`align_keep_${i}`, { deterministic: true, varargs: true }, (...v: unknown[]) => (step.keep(v) ? 1 : 0));
    });
    const judge = this.db.prepare(sql);
    const outside = this.db.prepare(`
      INSERT INTO decisions (pair_id, run_id, kept, reason, reasons)
      SELECT p.id, @run, 0, r, r FROM (
        SELECT p.id, CASE WHEN w.reason IS NOT NULL THEN w.reason WHEN i.status IN ('queued', 'fetching') THEN 'image_pending'
          WHEN i.error IN ('opt_out', 'page_opt_out') THEN 'opt-out' ELSE 'image_failed' END AS r
        FROM pairs p JOIN images i ON i.id = p.image_id LEFT JOIN f_images m ON m.image_id = p.image_id
        LEFT JOIN withdrawals w ON w.pair_id = p.id
        WHERE m.image_id IS NULL) p
      WHERE true ${UPSERT_TAIL}`);
    // Every pair_id comes from pairs and the run row exists: checking each row's two foreign keys
    // would only cost time (a tenth of the first run at a million pairs).
    this.db.pragma('foreign_keys = OFF');
    try {
      return this.db.transaction(() => judge.run(params).changes + outside.run({ run: runId }).changes)();
    } finally {
      this.db.pragma('foreign_keys = ON');
    }
  }

  /** Counts of the decisions table: kept, by first reason, and by every failing filter. */
  countDecisions(): DecisionCounts {
    // One pass over the few distinct reason lists: `reason` is always the first item of `reasons`.
    const first: Record<string, number> = {};
    const any: Record<string, number> = {};
    let pairs = 0;
    let kept = 0;
    for (const { reasons, n } of this.stmts.byReasons.all()) {
      pairs += n;
      if (reasons === null) {
        kept += n;
        continue;
      }
      const names = reasons.split(',');
      first[names[0]!] = (first[names[0]!] ?? 0) + n;
      for (const name of names) any[name] = (any[name] ?? 0) + n;
    }
    return { pairs, kept, first, any };
  }

  /** The next blobs without a perceptual hash, after blob rowid `afterId`. */
  blobsWithoutPhash(afterId: number, limit: number): { id: number; sha256: string }[] {
    return this.stmts.blobsWithoutPhash.all(afterId, limit);
  }

  setPhashes(rows: readonly { sha256: string; phash: string }[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.stmts.setPhash.run(r.phash, r.sha256);
    })();
  }

  cachedEvalHash(path: string): { bytes: number; mtimeMs: number; phash: string | null } | undefined {
    return this.stmts.getEvalHash.get(path);
  }

  putEvalHashes(rows: readonly { path: string; bytes: number; mtimeMs: number; phash: string | null }[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.stmts.putEvalHash.run(r.path, r.bytes, Math.round(r.mtimeMs), r.phash);
    })();
  }
}
