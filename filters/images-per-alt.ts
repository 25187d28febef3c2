/** ALIGN: drop alt texts shared by more than 10 images ("logo", "click here", "image"). */
import type { Filter, OptionsOf, Zod } from './api.js';

const options = (z: Zod) =>
  z.strictObject({
    /** Apply this filter. @default true */
    enabled: z.boolean().default(true),
    /** A pair is kept when its alt text (lower-cased) belongs to at most this many distinct images. @default 10 */
    max: z.int().positive().default(10),
  });

export const imagesPerAlt: Filter<OptionsOf<typeof options>> = {
  name: 'images-per-alt',
  describe: 'the normalised alt text belongs to at most `max` distinct images',
  options,
  active: (o) => o.enabled,
  where: (o) => ({ sql: 'images_per_alt <= :max', params: { max: o.max } }),
};
