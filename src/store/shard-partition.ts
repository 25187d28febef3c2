import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { samplePartition } from '../util/partition.js';
import { storePath, type Db } from './db.js';
import { SHARD_SCHEMA } from './schema/shard.js';
import { ShardStore } from './shard.js';

/** The bookkeeping file of one shard partition, in its own output folder. */
export const PART_STORE_FILE = 'shard-part.db';

/**
 * `shard --partition I/N` over a merged store: N tasks write at once, on several machines, so
 * none of them writes the merged store (one SQLite file is never written from two machines).
 * Each keeps its shards, samples and failures in a small SQLite file in its own output folder
 * (only the shard tables; no foreign keys, the pairs are elsewhere) and reads the merged store
 * ATTACHed: unqualified names (decisions, pairs, images, ...) resolve to it, so the shard
 * store's statements run unchanged. The share: pairs whose image's sha256 hashes to I, so all
 * pairs of one image land in one partition.
 */
export function openPartitionShardStore(mergedDir: string, partDir: string, part: { index: number; count: number }): ShardStore {
  mkdirSync(partDir, { recursive: true });
  const db: Db = new Database(join(partDir, PART_STORE_FILE));
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = OFF'); // the pairs the shard tables name live in the merged store
  if (db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'shards'`).get() === undefined) db.exec(SHARD_SCHEMA);
  db.prepare(`ATTACH DATABASE ? AS merged`).run(mergedSource(mergedDir));
  db.function('align_sample_part', { deterministic: true }, (sha: unknown) => samplePartition(String(sha), part.count));
  return new ShardStore(db, `align_sample_part(b.sha256) = ${part.index}`);
}

/**
 * The merged store, read only by the shard tasks. better-sqlite3 takes no `file:` URIs, so no
 * `immutable=1`: SQLite's WAL index is shared memory, coherent on one machine only; across
 * machines this holds because nothing writes the merged store while shard tasks run (merge
 * closes it checkpointed, its -wal empty), so every reader reads the database file itself.
 */
function mergedSource(mergedDir: string): string {
  return storePath(mergedDir);
}
