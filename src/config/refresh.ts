import { z } from 'zod';

/** `refresh` section: the cron job's time budget. Seeds and politeness are the `crawl` section's. */
export const RefreshConfigSchema = z.strictObject({
  /**
   * Time budget of the whole run, minutes (also `--max-minutes`): the crawl stops in time to leave
   * filter and shard their share, and what it did not reach waits for the next run. null: no limit.
   * @default null
   */
  maxMinutes: z.number().positive().nullable().default(null),
  /**
   * The least share of the budget kept for filter and shard; more when the last run's filter and
   * shard took longer (half again what they took), never more than 0.9. @default 0.25
   */
  reserveFraction: z.number().min(0).max(0.9).default(0.25),
});

export type RefreshConfig = z.infer<typeof RefreshConfigSchema>;
