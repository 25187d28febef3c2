/** ALIGN: keep alt texts of 3 to 20 words. */
import type { Filter, OptionsOf, Zod } from './api.js';

const options = (z: Zod) =>
  z
    .strictObject({
      /** Apply this filter. @default true */
      enabled: z.boolean().default(true),
      /** Fewest words kept. @default 3 */
      min: z.int().nonnegative().default(3),
      /** Most words kept. @default 20 */
      max: z.int().nonnegative().default(20),
    })
    .refine((o) => o.min <= o.max, { message: 'min must not exceed max', path: ['min'] });

export const wordCount: Filter<OptionsOf<typeof options>> = {
  name: 'word-count',
  describe: 'min <= words <= max',
  options,
  active: (o) => o.enabled,
  where: (o) => ({ sql: 'word_count BETWEEN :min AND :max', params: { min: o.min, max: o.max } }),
};
