import type { CrawlConfig } from '../../config/crawl.js';
import { registrableDomain } from '../../html/url.js';

/** Which discovered page URLs are followed. Seeds are always fetched; images are fetched wherever they live. */
export interface Scope {
  allows(url: string): boolean;
}

export function makeScope(config: CrawlConfig['scope'], seedUrls: readonly string[]): Scope {
  const include = config.include.map((s) => new RegExp(s));
  const exclude = config.exclude.map((s) => new RegExp(s));
  const inScope = makeHostCheck(config, seedUrls);
  return {
    allows(url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return false;
      }
      if (!inScope(parsed)) return false;
      if (include.length > 0 && !include.some((re) => re.test(url))) return false;
      return !exclude.some((re) => re.test(url));
    },
  };
}

function makeHostCheck(config: CrawlConfig['scope'], seedUrls: readonly string[]): (url: URL) => boolean {
  const seeds = seedUrls.map((u) => new URL(u));
  const hosts = new Set(seeds.map((u) => u.host));
  switch (config.mode) {
    case 'any':
      return () => true;
    case 'host':
      return (url) => hosts.has(url.host);
    case 'domain': {
      const domains = new Set(seeds.map((u) => registrableDomain(u.hostname)));
      return (url) => domains.has(registrableDomain(url.hostname));
    }
    case 'allowlist': {
      const allowed = new Set(config.hosts.map((h) => h.toLowerCase()));
      return (url) => hosts.has(url.host) || allowed.has(url.host) || allowed.has(url.hostname);
    }
  }
}
