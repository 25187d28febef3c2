import { CRAWL_SCHEMA } from './schema/crawl.js';
import { FILTER_SCHEMA } from './schema/filter.js';
import { SHARD_SCHEMA } from './schema/shard.js';
import { TRAIN_SCHEMA } from './schema/train.js';

/**
 * Migrations, applied in order by `PRAGMA user_version`. Version 1 is the first released
 * schema; a change after it is a new entry (never an edit of an old one).
 */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  { version: 1, sql: CRAWL_SCHEMA + FILTER_SCHEMA + SHARD_SCHEMA + TRAIN_SCHEMA },
];
