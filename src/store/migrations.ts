import { CRAWL_SCHEMA } from './schema/crawl.js';
import { FILTER_SCHEMA } from './schema/filter.js';
import { HARDENING_SCHEMA } from './schema/hardening.js';
import { REFRESH_SCHEMA } from './schema/refresh.js';
import { INGEST_SCHEMA } from './schema/ingest.js';
import { PARTITION_SCHEMA } from './schema/partition.js';
import { SHARD_SCHEMA } from './schema/shard.js';
import { SCORES_SCHEMA } from './schema/scores.js';

/**
 * Migrations, applied in order by `PRAGMA user_version`. Version 1 is the first released
 * schema; a change after it is a new entry (never an edit of an old one). Versions may leave gaps
 * (a store records the highest applied), so work done in parallel takes its number in advance:
 * 2 hardening (crawl no-pair reasons), 3 refresh/check, 4 ingest, 5 retrieval/scores, 6 partitions.
 */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  { version: 1, sql: CRAWL_SCHEMA + FILTER_SCHEMA + SHARD_SCHEMA },
  { version: 2, sql: HARDENING_SCHEMA },
  { version: 3, sql: REFRESH_SCHEMA },
  { version: 4, sql: INGEST_SCHEMA },
  { version: 5, sql: SCORES_SCHEMA },
  { version: 6, sql: PARTITION_SCHEMA },
];
