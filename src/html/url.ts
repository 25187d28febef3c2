/**
 * URL helpers: the one canonical form every URL is stored in, the host key politeness and
 * robots.txt are kept by, and the registrable domain that scope mode 'domain' compares.
 */

/**
 * The stored form of a URL: absolute http(s), fragment dropped (the WHATWG parser already
 * lower-cases the host and drops a default port). Undefined for anything else. Extraction calls
 * this for every image and link, so it slices the fragment off instead of re-serialising.
 */
export function normalizeUrl(raw: string, base?: string, keepFragment = false): string | undefined {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  const href = url.href;
  // A '#' in a serialised URL can only start the fragment (elsewhere it is percent-encoded).
  const hash = keepFragment ? -1 : href.indexOf('#');
  return hash < 0 ? href : href.slice(0, hash);
}

/** The politeness and robots.txt key: host plus a non-default port (`example.com`, `127.0.0.2:8080`). */
export function hostOf(url: string): string {
  return new URL(url).host;
}

/**
 * Second-level labels under which registrations happen (`example.co.uk`). Without a public
 * suffix list this is an approximation: the common ccTLD second levels, else the last two labels.
 */
const SECOND_LEVELS = new Set(['ac', 'co', 'com', 'edu', 'gov', 'net', 'org', 'ne', 'or', 'go', 'gob', 'mil', 'nic', 'ltd', 'plc', 'sch']);

export function registrableDomain(hostname: string): string {
  const name = hostname.replace(/\.$/, '').toLowerCase();
  if (/^[\d.]+$/.test(name) || name.includes(':') || name.startsWith('[')) return name; // an IP address
  const labels = name.split('.');
  if (labels.length <= 2) return name;
  const secondLevel = labels.at(-2) ?? '';
  const keep = labels.at(-1)?.length === 2 && SECOND_LEVELS.has(secondLevel) ? 3 : 2;
  return labels.slice(-keep).join('.');
}
