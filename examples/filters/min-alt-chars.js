/**
 * An example user filter for align-data: keep a pair only when its alt text has at least `min`
 * characters. Name it in the config file:
 *
 *   { "filter": { "custom": [{ "module": "./examples/filters/min-alt-chars.js", "options": { "min": 12 } }] } }
 *
 * `where` is SQL over the pair's columns (see filters/api.ts for the list), evaluated by SQLite
 * over the whole dataset at once; `:min` is bound from `params`. `options` receives zod, so this
 * module needs no import.
 */
export default {
  name: 'min-alt-chars',
  describe: 'the alt text has at least `min` characters',
  options: (z) =>
    z.strictObject({
      /** Fewest characters (after white space is collapsed) an alt may have. */
      min: z.int().positive().default(5),
    }),
  where: (options) => ({ sql: 'length(alt_norm) >= :min', params: { min: options.min } }),
};
