/**
 * The retrieval index: a SQLite file of its own (default RUN/index.sqlite, beside the model that
 * made its vectors), with sqlite-vec loaded. It holds one row per indexed sample and, under the
 * same rowid, its image and caption embeddings in `vec0` tables (cosine distance) plus their
 * binary quantisations (`bit[]`, hamming distance) for the fast first pass.
 *
 * Row ids are bound as BigInt (vec0 refuses a JS number that is not one), and every search is a
 * `MATCH ? AND k = ?` KNN query: a scan with a distance function and ORDER BY is hundreds of
 * times slower.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { AlignError } from '../errors.js';

export type VectorKind = 'image' | 'text';

/** What made the vectors: a run directory at a checkpoint step. */
export interface IndexIdentity {
  run: string;
  step: number;
  dim: number;
}

export interface IndexedSample {
  id: number;
  key: string;
  shard: string;
  caption: string;
  url: string | null;
  pageUrl: string | null;
}

export interface NewSample {
  key: string;
  shard: string;
  caption: string;
  url: string | null;
  pageUrl: string | null;
  image: Float32Array;
  text: Float32Array;
}

export interface Neighbour {
  id: number;
  /** Cosine similarity. */
  score: number;
}

function schema(dim: number): string {
  return `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (id INTEGER PRIMARY KEY, key TEXT NOT NULL, shard TEXT NOT NULL,
  caption TEXT NOT NULL, url TEXT, page_url TEXT, UNIQUE (shard, key));
-- Plain copies of the float vectors: the fast mode rescores its candidates from here, because a
-- point lookup in a vec0 table costs milliseconds (it reads a whole chunk) and here microseconds.
CREATE TABLE IF NOT EXISTS vectors (id INTEGER PRIMARY KEY, image BLOB NOT NULL, text BLOB);
CREATE TABLE IF NOT EXISTS failed (shard TEXT NOT NULL, key TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (shard, key));
CREATE TABLE IF NOT EXISTS shards_done (shard TEXT PRIMARY KEY, bytes INTEGER NOT NULL, mtime_ms INTEGER NOT NULL, samples INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS image_vec USING vec0(embedding float[${dim}] distance_metric=cosine);
CREATE VIRTUAL TABLE IF NOT EXISTS text_vec USING vec0(embedding float[${dim}] distance_metric=cosine);
CREATE VIRTUAL TABLE IF NOT EXISTS image_bits USING vec0(embedding bit[${bitDim(dim)}]);
CREATE VIRTUAL TABLE IF NOT EXISTS text_bits USING vec0(embedding bit[${bitDim(dim)}]);
`;
}

/** bit[] columns need a multiple of 8; the padding bits are zero on both sides and cost nothing. */
function bitDim(dim: number): number {
  return Math.ceil(dim / 8) * 8;
}

/** The statements, prepared once per connection and named, so a typo is a type error. */
function prepareIndexStatements(db: Database.Database) {
  const q = (sql: string): Statement => db.prepare(sql);
  return {
    insertSample: q('INSERT INTO samples (key, shard, caption, url, page_url) VALUES (?, ?, ?, ?, ?)'),
    insertImage: q('INSERT INTO image_vec (rowid, embedding) VALUES (?, ?)'),
    insertText: q('INSERT INTO text_vec (rowid, embedding) VALUES (?, ?)'),
    insertImageBits: q('INSERT INTO image_bits (rowid, embedding) VALUES (?, vec_quantize_binary(?))'),
    insertTextBits: q('INSERT INTO text_bits (rowid, embedding) VALUES (?, vec_quantize_binary(?))'),
    insertFailed: q('INSERT OR REPLACE INTO failed (shard, key, reason) VALUES (?, ?, ?)'),
    knnImage: q('SELECT rowid AS id, distance FROM image_vec WHERE embedding MATCH ? AND k = ?'),
    knnText: q('SELECT rowid AS id, distance FROM text_vec WHERE embedding MATCH ? AND k = ?'),
    bitsImage: q('SELECT rowid AS id FROM image_bits WHERE embedding MATCH vec_quantize_binary(?) AND k = ?'),
    bitsText: q('SELECT rowid AS id FROM text_bits WHERE embedding MATCH vec_quantize_binary(?) AND k = ?'),
    insertVectors: q('INSERT INTO vectors (id, image, text) VALUES (?, ?, ?)'),
    vectorImage: q('SELECT image FROM vectors WHERE id = ?'),
    vectorText: q('SELECT text FROM vectors WHERE id = ?'),
    sample: q('SELECT id, key, shard, caption, url, page_url AS pageUrl FROM samples WHERE id = ?'),
    sampleByKey: q('SELECT id, key, shard, caption, url, page_url AS pageUrl FROM samples WHERE key = ? ORDER BY id LIMIT 1'),
    keysOfShard: q('SELECT key FROM samples WHERE shard = ? UNION ALL SELECT key FROM failed WHERE shard = ?'),
    shardDone: q('SELECT bytes, mtime_ms AS mtimeMs FROM shards_done WHERE shard = ?'),
    markShard: q('INSERT OR REPLACE INTO shards_done (shard, bytes, mtime_ms, samples) VALUES (?, ?, ?, ?)'),
    count: q('SELECT count(*) FROM samples'),
    failedCount: q('SELECT count(*) FROM failed'),
  };
}

export class VectorIndex {
  readonly db: Database.Database;
  readonly identity: IndexIdentity;
  private readonly stmts: ReturnType<typeof prepareIndexStatements>;

  private constructor(db: Database.Database, identity: IndexIdentity) {
    this.db = db;
    this.identity = identity;
    this.stmts = prepareIndexStatements(db);
  }

  /**
   * Opens the index at `path` for `identity`, creating it when absent. An index built by another
   * run or checkpoint is refused (exit 2) unless `rebuild`, which starts it afresh.
   */
  static open(path: string, identity: IndexIdentity, options: { rebuild?: boolean; create?: boolean } = {}): VectorIndex {
    if (options.rebuild) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    if (!existsSync(path) && options.create === false) {
      throw new AlignError('E_NO_DATA', `no index at ${path}`, { hint: 'build it with `align-data index --run RUN`' });
    }
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    try {
      sqliteVec.load(db);
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec('CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
      const stored = readIdentity(db);
      if (stored && (stored.run !== identity.run || stored.step !== identity.step || stored.dim !== identity.dim)) {
        throw new AlignError('E_USAGE', `${path} was built with ${describe(stored)}, not ${describe(identity)}`, {
          hint: 'rebuild it with `align-data index --rebuild` (or pass the --index that belongs to this checkpoint)',
        });
      }
      db.exec(schema(identity.dim));
      if (!stored) writeIdentity(db, identity);
      return new VectorIndex(db, identity);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Adds samples and their vectors in one transaction; returns their ids. */
  add(samples: readonly NewSample[]): void {
    const s = this.stmts;
    this.db.transaction(() => {
      for (const x of samples) {
        const id = BigInt(s.insertSample!.run(x.key, x.shard, x.caption, x.url, x.pageUrl).lastInsertRowid);
        s.insertImage!.run(id, x.image);
        s.insertText!.run(id, x.text);
        s.insertImageBits!.run(id, x.image);
        s.insertTextBits!.run(id, x.text);
        s.insertVectors!.run(id, f32(x.image), f32(x.text));
      }
    })();
  }

  /**
   * Bulk-loads image vectors only (rows `firstId`…), without samples or caption vectors: for
   * benchmarks of search at sizes no shard set here reaches.
   */
  addImageVectors(firstId: number, vectors: Float32Array): void {
    const dim = this.identity.dim;
    const s = this.stmts;
    this.db.transaction(() => {
      for (let i = 0; i * dim < vectors.length; i++) {
        const v = vectors.subarray(i * dim, (i + 1) * dim);
        s.insertImage!.run(BigInt(firstId + i), v);
        s.insertImageBits!.run(BigInt(firstId + i), v);
        s.insertVectors!.run(BigInt(firstId + i), f32(v), null);
      }
    })();
  }

  recordFailed(rows: readonly { shard: string; key: string; reason: string }[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.stmts.insertFailed.run(r.shard, r.key, r.reason);
    })();
  }

  /** Keys of `shard` already indexed or recorded as failed (to resume a shard a kill cut short). */
  keysOf(shard: string): Set<string> {
    return new Set(this.stmts.keysOfShard.pluck().all(shard, shard) as string[]);
  }

  /** True when `shard` was read to its end with this size and mtime. */
  isShardDone(shard: string, bytes: number, mtimeMs: number): boolean {
    const row = this.stmts.shardDone.get(shard) as { bytes: number; mtimeMs: number } | undefined;
    return row !== undefined && row.bytes === bytes && row.mtimeMs === Math.round(mtimeMs);
  }

  markShardDone(shard: string, bytes: number, mtimeMs: number, samples: number): void {
    this.stmts.markShard.run(shard, bytes, Math.round(mtimeMs), samples);
  }

  count(): number {
    return this.stmts.count.pluck().get() as number;
  }

  failedCount(): number {
    return this.stmts.failedCount.pluck().get() as number;
  }

  /** Exact k nearest neighbours by cosine among the `kind` vectors. */
  nearest(kind: VectorKind, query: Float32Array, k: number): Neighbour[] {
    const stmt = kind === 'image' ? this.stmts.knnImage : this.stmts.knnText;
    return (stmt.all(query, k) as { id: number; distance: number }[]).map((r) => ({ id: r.id, score: 1 - r.distance }));
  }

  /**
   * The fast mode: `candidates` nearest by hamming distance between sign bits, then the exact
   * cosine of those only, best k kept. Recall against `nearest` is measured in bench/retrieval.ts.
   */
  nearestFast(kind: VectorKind, query: Float32Array, k: number, candidates: number): Neighbour[] {
    const stmt = kind === 'image' ? this.stmts.bitsImage : this.stmts.bitsText;
    const ids = stmt.pluck().all(query, Math.max(k, candidates)) as number[];
    const scored = ids.map((id) => ({ id, score: dot(query, this.vector(kind, id)) }));
    return scored.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, k);
  }

  vector(kind: VectorKind, id: number): Float32Array {
    const stmt = kind === 'image' ? this.stmts.vectorImage : this.stmts.vectorText;
    const blob = stmt.pluck().get(id) as Buffer;
    // Copied: the Buffer's offset need not be a multiple of 4.
    return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  }

  sample(id: number): IndexedSample | undefined {
    return this.stmts.sample.get(id) as IndexedSample | undefined;
  }

  sampleByKey(key: string): IndexedSample | undefined {
    return this.stmts.sampleByKey.get(key) as IndexedSample | undefined;
  }

  close(): void {
    this.db.close();
  }
}

function readIdentity(db: Database.Database): IndexIdentity | undefined {
  const rows = db.prepare('SELECT name, value FROM meta').all() as { name: string; value: string }[];
  const m = new Map(rows.map((r) => [r.name, r.value]));
  if (!m.has('run')) return undefined;
  return { run: m.get('run') as string, step: Number(m.get('step')), dim: Number(m.get('dim')) };
}

function writeIdentity(db: Database.Database, identity: IndexIdentity): void {
  const put = db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)');
  db.transaction(() => {
    put.run('run', identity.run);
    put.run('step', String(identity.step));
    put.run('dim', String(identity.dim));
  })();
}

function describe(id: IndexIdentity): string {
  return `run ${id.run} at step ${id.step} (${id.dim}-d)`;
}

/** The bytes of a Float32Array view (better-sqlite3 binds Buffers as BLOBs). */
function f32(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
