import { gunzipSync } from 'node:zlib';
import { Parser } from 'htmlparser2';
import { FetchFailure } from './failure.js';

/**
 * Sitemaps (sitemaps.org): `<urlset>` lists pages, `<sitemapindex>` lists more sitemaps; a
 * `.xml.gz` body is gunzipped under the page size cap; a plain-text sitemap is one URL a line.
 * Only `<loc>` directly inside `<url>` / `<sitemap>` counts (not `<image:loc>` and the like;
 * a sitemap that prefixes its own elements, `<sm:url>`, is not read).
 */
export interface SitemapEntries {
  pages: string[];
  sitemaps: string[];
}

const GZIP_MAGIC = [0x1f, 0x8b];

export function parseSitemap(body: Buffer, maxBytes: number, maxUrls: number): SitemapEntries {
  const bytes = isGzip(body) ? gunzipCapped(body, maxBytes) : body;
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (!text.trimStart().startsWith('<')) return { pages: parseTextSitemap(text, maxUrls), sitemaps: [] };
  return parseXmlSitemap(text, maxUrls);
}

/** True when an XML body is a sitemap or sitemap index (a seed or link can turn out to be one). */
export function looksLikeSitemap(body: Buffer): boolean {
  if (isGzip(body)) return true;
  const head = body.subarray(0, 2048).toString('utf8');
  return /<(\w+:)?(urlset|sitemapindex)[\s>]/.test(head);
}

function isGzip(body: Buffer): boolean {
  return body[0] === GZIP_MAGIC[0] && body[1] === GZIP_MAGIC[1];
}

function gunzipCapped(body: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new FetchFailure('too_large', { detail: `gunzipped sitemap over ${maxBytes} bytes` });
    throw new FetchFailure('bad_encoding', { detail: (err as Error).message });
  }
}

function parseTextSitemap(text: string, maxUrls: number): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => /^https?:\/\//i.test(line))
    .slice(0, maxUrls);
}

function parseXmlSitemap(text: string, maxUrls: number): SitemapEntries {
  const out: SitemapEntries = { pages: [], sitemaps: [] };
  const stack: string[] = [];
  let loc: string | null = null;
  const parser = new Parser(
    {
      // Prefixed names (`image:loc`, `video:title`) stay prefixed, so they never match `loc`.
      onopentag(name) {
        const parent = stack.at(-1);
        stack.push(name.toLowerCase());
        if (name.toLowerCase() === 'loc' && (parent === 'url' || parent === 'sitemap')) loc = '';
      },
      ontext(data) {
        if (loc !== null) loc += data;
      },
      onclosetag() {
        const closing = stack.pop();
        if (closing !== 'loc' || loc === null) return;
        const value = loc.trim();
        loc = null;
        if (out.pages.length + out.sitemaps.length >= maxUrls || value === '') return;
        (stack.at(-1) === 'sitemap' ? out.sitemaps : out.pages).push(value);
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(text);
  parser.end();
  return out;
}
