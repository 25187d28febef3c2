/** ALIGN: drop images whose shorter side is 200 px or less. */
import type { Filter, OptionsOf, Zod } from './api.js';

const options = (z: Zod) =>
  z.strictObject({
    /** Apply this filter. @default true */
    enabled: z.boolean().default(true),
    /** A pair is kept when min(width, height) > this, in px. @default 200 */
    minSidePx: z.int().nonnegative().default(200),
  });

export const imageSize: Filter<OptionsOf<typeof options>> = {
  name: 'image-size',
  describe: 'min(width, height) > minSidePx',
  options,
  active: (o) => o.enabled,
  where: (o) => ({ sql: 'min(width, height) > :minSidePx', params: { minSidePx: o.minSidePx } }),
};
