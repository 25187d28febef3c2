import { z } from 'zod';

/** `shard` section. Every field has a default. */
export const ShardConfigSchema = z.strictObject({});

export type ShardConfig = z.infer<typeof ShardConfigSchema>;
