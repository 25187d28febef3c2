/** ALIGN: drop images that carry more than 1000 distinct alt texts (stock and placeholder images). */
import type { Filter, OptionsOf, Zod } from './api.js';

const options = (z: Zod) =>
  z.strictObject({
    /** Apply this filter. @default true */
    enabled: z.boolean().default(true),
    /** A pair is kept when its image (by sha256) has at most this many distinct alt texts (lower-cased). @default 1000 */
    max: z.int().positive().default(1000),
  });

export const altsPerImage: Filter<OptionsOf<typeof options>> = {
  name: 'alts-per-image',
  describe: 'the image has at most `max` distinct normalised alt texts',
  options,
  active: (o) => o.enabled,
  where: (o) => ({ sql: 'alts_per_image <= :max', params: { max: o.max } }),
};
