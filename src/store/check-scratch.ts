/**
 * A scratch SQLite file for `check`'s uniqueness gates: one row per sample (key, shard, image
 * hash, caption hash, split), so memory stays flat however many samples the shards hold. It
 * lives in a temp folder and is deleted on close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface ScratchRow {
  key: string;
  shard: string;
  imageSha: string;
  captionSha: string;
  split: 'train' | 'val';
}

/** A repeated key or sample: where it is (`shard:key` each), how many times. */
export interface Repeat {
  where: string;
  copies: number;
}

const BATCH = 2000;

export class CheckScratch {
  private readonly dir = mkdtempSync(join(tmpdir(), 'align-check-'));
  private readonly db = new Database(join(this.dir, 'scratch.db'));
  private readonly pending: ScratchRow[] = [];
  private readonly insertBatch: (rows: ScratchRow[]) => void;

  constructor() {
    // A scratch file: nothing to recover after a crash, so no journal and no syncs.
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -16000');
    this.db.exec('CREATE TABLE samples (key TEXT NOT NULL, shard TEXT NOT NULL, image_sha TEXT NOT NULL, caption_sha TEXT NOT NULL, split TEXT NOT NULL)');
    const insert = this.db.prepare('INSERT INTO samples VALUES (@key, @shard, @imageSha, @captionSha, @split)');
    this.insertBatch = this.db.transaction((rows: ScratchRow[]) => {
      for (const row of rows) insert.run(row);
    });
  }

  add(row: ScratchRow): void {
    this.pending.push(row);
    if (this.pending.length >= BATCH) this.flush();
  }

  /** Writes what is buffered and indexes the table: call once, after the last `add`. */
  finish(): void {
    this.flush();
    this.db.exec('CREATE INDEX samples_key ON samples(key); CREATE INDEX samples_image ON samples(image_sha, caption_sha, split)');
  }

  /** Keys found more than once: the first `limit`, and how many keys repeat in all. */
  repeatedKeys(limit: number): { first: Repeat[]; count: number } {
    return this.repeats('key', limit);
  }

  /** Samples (same image bytes and caption) found more than once. */
  repeatedSamples(limit: number): { first: Repeat[]; count: number } {
    return this.repeats('image_sha, caption_sha', limit);
  }

  /** Images in both the train and the val split. */
  imagesInBothSplits(limit: number): { first: Repeat[]; count: number } {
    const from = `FROM samples WHERE image_sha IN (SELECT image_sha FROM samples GROUP BY image_sha HAVING count(DISTINCT split) > 1)`;
    const first = this.db
      .prepare(`SELECT group_concat(shard || ':' || key, ' = ') AS "where", count(*) AS copies ${from} GROUP BY image_sha ORDER BY min(rowid) LIMIT ?`)
      .all(limit) as Repeat[];
    const count = this.db.prepare(`SELECT count(DISTINCT image_sha) ${from}`).pluck().get() as number;
    return { first, count };
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private repeats(columns: string, limit: number): { first: Repeat[]; count: number } {
    const groups = `SELECT ${columns}, count(*) AS copies, min(rowid) AS first FROM samples GROUP BY ${columns} HAVING count(*) > 1`;
    const count = this.db.prepare(`SELECT count(*) FROM (${groups})`).pluck().get() as number;
    const on = columns.split(', ').map((c) => `s.${c} = g.${c}`).join(' AND ');
    const first = this.db
      .prepare(`SELECT group_concat(s.shard || ':' || s.key, ' = ') AS "where", g.copies AS copies
                FROM (${groups} ORDER BY first LIMIT ?) g JOIN samples s ON ${on} GROUP BY g.first ORDER BY g.first`)
      .all(limit) as Repeat[];
    return { first, count };
  }

  private flush(): void {
    if (this.pending.length > 0) this.insertBatch(this.pending.splice(0));
  }
}
