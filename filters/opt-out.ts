/** Respect `noai` / `noimageai` from the page (robots meta or X-Robots-Tag) or the image response. */
import type { Filter, OptionsOf, SqlValue, Zod } from './api.js';

const options = (z: Zod) =>
  z.strictObject({
    /** Apply this filter. @default true */
    enabled: z.boolean().default(true),
    /** Directives that opt a page or image out. @default ['noai', 'noimageai'] */
    directives: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1).default(['noai', 'noimageai']),
  });

export const optOut: Filter<OptionsOf<typeof options>> = {
  name: 'opt-out',
  describe: 'neither the page nor the image response says noai / noimageai',
  options,
  active: (o) => o.enabled,
  // The crawler stores directive lists as 'noai,noimageai': match whole items, case-insensitively.
  // Almost every pair has none, and `IS NULL OR` skips the string work for those.
  where: (o) => {
    const params: Record<string, SqlValue> = {};
    const checks: string[] = [];
    o.directives.forEach((d, i) => {
      params[`d${i}`] = `,${d},`;
      for (const column of ['page_opt_out', 'image_opt_out']) {
        checks.push(`(${column} IS NULL OR instr(',' || replace(lower(${column}), ' ', '') || ',', :d${i}) = 0)`);
      }
    });
    return { sql: checks.join(' AND '), params };
  },
};
