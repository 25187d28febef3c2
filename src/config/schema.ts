import { z } from 'zod';
import { CheckConfigSchema } from './check.js';
import { CrawlConfigSchema } from './crawl.js';
import { FilterConfigSchema } from './filter.js';
import { RefreshConfigSchema } from './refresh.js';
import { IngestConfigSchema } from './ingest.js';
import { ShardConfigSchema } from './shard.js';
import { TrainConfigSchema } from './train.js';

/**
 * The whole config file: one strict object per stage, so an unknown key anywhere is an
 * error that names it. Every option has a default (ALIGN's where the paper gives one);
 * config.example.json lists them all and a test keeps it equal to these defaults.
 */
export const ConfigSchema = z.strictObject({
  crawl: CrawlConfigSchema.prefault({}),
  filter: FilterConfigSchema.prefault({}),
  shard: ShardConfigSchema.prefault({}),
  train: TrainConfigSchema.prefault({}),
  refresh: RefreshConfigSchema.prefault({}),
  check: CheckConfigSchema.prefault({}),
  ingest: IngestConfigSchema.prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
