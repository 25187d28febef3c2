/** ALIGN: drop images whose aspect ratio is 3 or more. */
import type { Filter, OptionsOf, Zod } from './api.js';

const options = (z: Zod) =>
  z.strictObject({
    /** Apply this filter. @default true */
    enabled: z.boolean().default(true),
    /** A pair is kept when max(width, height) / min(width, height) < this. @default 3 */
    maxRatio: z.number().positive().default(3),
  });

export const aspectRatio: Filter<OptionsOf<typeof options>> = {
  name: 'aspect-ratio',
  describe: 'max(width, height) / min(width, height) < maxRatio',
  options,
  active: (o) => o.enabled,
  // Multiplied out rather than divided: exact for integer sizes (300x100 is 3.0, not 2.9999...),
  // and a zero side is rejected instead of dividing by zero.
  where: (o) => ({ sql: 'max(width, height) < :maxRatio * min(width, height)', params: { maxRatio: o.maxRatio } }),
};
