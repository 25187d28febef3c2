import type { Db } from './db.js';

/** Which partition a data dir is (migration 6's partition_meta): written by the first partitioned run. */
export interface PartitionMeta {
  index: number;
  count: number;
  source: string;
}

export function readPartitionMeta(db: Db): PartitionMeta | undefined {
  const row = db.prepare(`SELECT part_index AS "index", part_count AS count, source FROM partition_meta WHERE id = 1`).get();
  return row as PartitionMeta | undefined;
}

export function writePartitionMeta(db: Db, meta: PartitionMeta, now: number): void {
  db.prepare(
    `INSERT INTO partition_meta (id, part_index, part_count, source, set_at) VALUES (1, @index, @count, @source, @now)
     ON CONFLICT (id) DO UPDATE SET source = excluded.source, set_at = excluded.set_at`,
  ).run({ ...meta, now });
}

/** Whether the store holds any crawl rows (a store crawled without partitions cannot become one). */
export function hasCrawlRows(db: Db): boolean {
  return db.prepare(`SELECT 1 FROM pages LIMIT 1`).get() !== undefined;
}
