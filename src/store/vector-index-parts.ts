/**
 * Reading the index files of `index --partition I/N` tasks, for `merge --index`: each part is an
 * index file like any other (vector-index.ts), holding the samples of its own shards. Read only.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { usageError } from '../errors.js';
import type { IndexIdentity, NewSample } from './vector-index.js';

export interface FailedSample {
  shard: string;
  key: string;
  reason: string;
}

export interface DoneShard {
  shard: string;
  bytes: number;
  mtimeMs: number;
  samples: number;
}

export class IndexPart {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    readonly identity: IndexIdentity,
  ) {}

  /** Opens a part read only; a file that is not an index stops before any work (exit 2). */
  static open(path: string): IndexPart {
    if (!existsSync(path)) throw usageError(`merge --index: ${path} does not exist`);
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      sqliteVec.load(db);
      const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'meta'`).get() !== undefined;
      const m = new Map(hasMeta ? (db.prepare('SELECT name, value FROM meta').all() as { name: string; value: string }[]).map((r) => [r.name, r.value]) : []);
      if (!m.has('run')) throw usageError(`merge --index: ${path} is not an index file (no run recorded)`);
      return new IndexPart(db, path, { run: m.get('run')!, step: Number(m.get('step')), dim: Number(m.get('dim')) });
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Every shard the part holds samples, failures or a finished mark of. */
  shards(): string[] {
    return this.db.prepare('SELECT shard FROM samples UNION SELECT shard FROM failed UNION SELECT shard FROM shards_done').pluck().all() as string[];
  }

  /** A shard's samples with their vectors, in the order the part indexed them (its ids). */
  *samples(shard: string): Generator<NewSample> {
    const rows = this.db.prepare(`SELECT s.key, s.shard, s.caption, s.url, s.page_url AS pageUrl, v.image, v.text
      FROM samples s JOIN vectors v ON v.id = s.id WHERE s.shard = ? ORDER BY s.id`).iterate(shard) as IterableIterator<
      { key: string; shard: string; caption: string; url: string | null; pageUrl: string | null; image: Buffer; text: Buffer }
    >;
    for (const r of rows) yield { key: r.key, shard: r.shard, caption: r.caption, url: r.url, pageUrl: r.pageUrl, image: floats(r.image), text: floats(r.text) };
  }

  failed(shard: string): FailedSample[] {
    return this.db.prepare('SELECT shard, key, reason FROM failed WHERE shard = ?').all(shard) as FailedSample[];
  }

  done(shard: string): DoneShard | undefined {
    return this.db.prepare('SELECT shard, bytes, mtime_ms AS mtimeMs, samples FROM shards_done WHERE shard = ?').get(shard) as DoneShard | undefined;
  }

  close(): void {
    this.db.close();
  }
}

/** A float32 BLOB as a Float32Array (copied: the Buffer's offset need not be a multiple of 4). */
function floats(blob: Buffer): Float32Array {
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
}
