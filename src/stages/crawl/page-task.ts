import type { ClaimedPage, NewPage, NewPair, PageResult } from '../../store/crawl.js';
import { altKey, normalizeAlt, wordCount } from '../../util/text.js';
import { decodeHtml } from '../../html/charset.js';
import { extractPage } from '../../html/extract.js';
import type { Fetched } from './fetcher.js';
import { headerValue, headerValues, mediaType } from './http.js';
import { formatOptOut, parseRobotsDirectives } from '../../html/robots-directives.js';
import type { Runtime } from './runtime.js';
import { looksLikeSitemap, parseSitemap } from './sitemap.js';
import { hostOf, normalizeUrl } from '../../html/url.js';

/**
 * One page or sitemap: fetch (conditional when stored), then either a 304 that keeps what was
 * stored, or decode → extract → one write with the page row, its in-scope links, its pairs
 * and their image rows; the hosts that got new queued rows are reported once it is committed.
 */

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);
const XML_TYPES = new Set(['application/xml', 'text/xml']);
const SITEMAP_ONLY_TYPES = new Set(['text/plain', 'application/gzip', 'application/x-gzip', 'application/octet-stream']);

export async function crawlPage(rt: Runtime, item: ClaimedPage): Promise<void> {
  const fetched = await rt.fetcher.fetch(
    {
      url: item.url,
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5',
      maxBytes: rt.config.maxPageBytes,
      etag: item.etag,
      lastModified: item.last_modified,
      checkType: (type) => checkPageType(type, item.kind),
    },
    rt.signal,
  );
  const now = Date.now();
  const attempts = item.attempts + fetched.attempts;
  if (fetched.url !== item.url) {
    const target = { url: fetched.url, host: hostOf(fetched.url), depth: item.depth, kind: item.kind };
    rt.writer.add(() => rt.store.recordRedirectTarget(target, now));
  }
  rt.counters.pagesFetched += 1;
  if (fetched.status === 304) {
    rt.writer.add(() => rt.store.recordPageNotModified(item.id, attempts, now));
    return;
  }
  const result = isSitemap(item, fetched) ? readSitemap(rt, item, fetched) : readHtml(rt, item, fetched);
  rt.counters.bytes += fetched.body.length;
  rt.writer.add(
    () => rt.store.recordPageDone(item.id, { ...result, attempts }, now),
    (found) => {
      rt.counters.pairs += found.newPairs;
      rt.discovered(found.hosts);
    },
  );
}

/** What the response is decides, not what the URL looked like: a "sitemap" answered with HTML is a page, and the other way round. */
function isSitemap(item: ClaimedPage, fetched: Fetched): boolean {
  const type = mediaType(fetched.headers);
  if (type !== undefined && HTML_TYPES.has(type)) return false;
  if (item.kind === 'sitemap') return true;
  return (type === undefined || XML_TYPES.has(type)) && looksLikeSitemap(fetched.body);
}

function checkPageType(type: string | undefined, kind: ClaimedPage['kind']): string | null {
  if (type === undefined || HTML_TYPES.has(type) || XML_TYPES.has(type) || type.endsWith('+xml')) return null;
  if (kind === 'sitemap' && SITEMAP_ONLY_TYPES.has(type)) return null;
  return 'not_html';
}

type Parsed = Omit<PageResult, 'attempts'>;

function baseResult(item: ClaimedPage, fetched: Fetched): Omit<Parsed, 'links' | 'pairs' | 'optOut' | 'skipImages' | 'charset' | 'kind'> {
  return {
    httpStatus: fetched.status,
    finalUrl: fetched.url,
    contentType: headerValue(fetched.headers, 'content-type') ?? null,
    bytes: fetched.body.length,
    etag: headerValue(fetched.headers, 'etag') ?? null,
    lastModified: headerValue(fetched.headers, 'last-modified') ?? null,
  };
}

function readSitemap(rt: Runtime, item: ClaimedPage, fetched: Fetched): Parsed {
  const entries = parseSitemap(fetched.body, rt.config.maxPageBytes, rt.config.maxSitemapUrls);
  // A sitemap lists pages as a seed list does: they start at the sitemap's depth.
  const links = [
    ...toNewPages(rt, entries.sitemaps, item.depth, 'sitemap', false),
    ...toNewPages(rt, entries.pages, item.depth, 'page', true),
  ];
  return { ...baseResult(item, fetched), kind: 'sitemap', charset: null, optOut: null, links, pairs: [], skipImages: false, imgsNotPaired: {} };
}

function readHtml(rt: Runtime, item: ClaimedPage, fetched: Fetched): Parsed {
  const decoded = decodeHtml(fetched.body, headerValue(fetched.headers, 'content-type'));
  const page = extractPage(decoded.text, fetched.url);
  const directives = parseRobotsDirectives(headerValues(fetched.headers, 'x-robots-tag'), { ...page.robots });
  const follow = !directives.nofollow && item.depth < rt.config.maxDepth;
  const links = follow ? toNewPages(rt, page.links, item.depth + 1, 'page', true) : [];
  const pairs: NewPair[] = [];
  const imgsNotPaired: Record<string, number> = { ...page.imgsNotPaired };
  for (const pair of page.pairs) {
    const imageUrl = pair.imageUrl; // already in stored form: extraction normalises with normalizeUrl
    const altNorm = normalizeAlt(pair.altRaw);
    const lost = imageUrl.length > rt.config.maxUrlLength ? 'url_too_long' : altNorm === '' ? 'empty_alt' : undefined;
    if (lost !== undefined) {
      imgsNotPaired[lost] = (imgsNotPaired[lost] ?? 0) + 1;
      continue;
    }
    pairs.push({ imageUrl, imageHost: hostOf(imageUrl), altRaw: pair.altRaw, altNorm, altKey: altKey(altNorm), wordCount: wordCount(altNorm) });
  }
  const optOut = formatOptOut(directives);
  return {
    ...baseResult(item, fetched),
    kind: 'page',
    charset: decoded.charset,
    optOut,
    links,
    pairs,
    imgsNotPaired,
    // The publisher asked that this page's images not be used for AI: record the pairs, fetch nothing.
    skipImages: optOut !== null,
  };
}

function toNewPages(rt: Runtime, urls: readonly string[], depth: number, kind: NewPage['kind'], scoped: boolean): NewPage[] {
  const out: NewPage[] = [];
  for (const raw of urls) {
    const url = normalizeUrl(raw);
    if (url === undefined || url.length > rt.config.maxUrlLength) continue;
    if (scoped && !rt.scope.allows(url)) continue;
    out.push({ url, host: hostOf(url), depth, kind });
  }
  return out;
}
