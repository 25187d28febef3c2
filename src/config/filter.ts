import { z } from 'zod';

/** `filter` section. Every field has a default. */
export const FilterConfigSchema = z.strictObject({});

export type FilterConfig = z.infer<typeof FilterConfigSchema>;
