/** Drop pairs whose page or image is on a blocked host or matches a blocked URL pattern. */
import type { Filter, OptionsOf, Zod } from './api.js';

const options = (z: Zod) =>
  z.strictObject({
    /** Apply this filter. @default true */
    enabled: z.boolean().default(true),
    /** Hosts whose pages and images are dropped; a host also blocks its subdomains. @default [] */
    hosts: z.array(z.string().min(1)).default([]),
    /** URL globs (`*` any run of characters) matched against the page and the image URL. @default [] */
    urlPatterns: z.array(z.string().min(1)).default([]),
  });

type Options = OptionsOf<typeof options>;

interface Blocklist {
  hosts: Set<string>;
  pattern: RegExp | null;
}

function isBlockedHost(host: string, hosts: Set<string>): boolean {
  const lower = host.toLowerCase();
  if (hosts.has(lower)) return true; // an entry may name host:port
  let h = lower.replace(/:\d+$/, '');
  for (;;) {
    if (hosts.has(h)) return true;
    const dot = h.indexOf('.');
    if (dot < 0) return false;
    h = h.slice(dot + 1);
  }
}

function globToRegExp(globs: readonly string[]): RegExp | null {
  if (globs.length === 0) return null;
  const parts = globs.map((g) => g.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'));
  return new RegExp(`^(?:${parts.join('|')})$`, 'i');
}

export const blocklist: Filter<Options, Blocklist> = {
  name: 'blocklist',
  describe: 'neither the page nor the image host or URL is on the blocklist',
  options,
  active: (o) => o.enabled && o.hosts.length + o.urlPatterns.length > 0,
  // A Set lookup per host suffix scales to long lists, where SQL would chain one OR per entry.
  prepare: async (o) => ({ hosts: new Set(o.hosts.map((h) => h.toLowerCase())), pattern: globToRegExp(o.urlPatterns) }),
  keep: (pair, _o, list) =>
    !isBlockedHost(pair.pageHost, list.hosts) &&
    !isBlockedHost(pair.imageHost, list.hosts) &&
    !(list.pattern && (list.pattern.test(pair.pageUrl) || list.pattern.test(pair.imageUrl))),
  fields: ['pageHost', 'imageHost', 'pageUrl', 'imageUrl'],
};
