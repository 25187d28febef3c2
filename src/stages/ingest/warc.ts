import type { WARCRecord } from 'warcio';
import { decodeHtml } from '../../html/charset.js';
import { extractPage } from '../../html/extract.js';
import { formatOptOut, parseRobotsDirectives } from '../../html/robots-directives.js';
import { normalizeUrl } from '../../html/url.js';
import { reject } from './rows.js';
import type { SourceUnit } from './types.js';

/**
 * WARC `response` records of HTML pages → pairs through the crawler's own extractor (srcset,
 * lazy attributes, base href, charset from header, BOM or meta), so a WARC gives what crawling
 * the same pages would. Only 2xx HTML responses count, as in the crawl; the body is the HTTP
 * payload with its transfer and content encodings undone, capped at `maxPageBytes`.
 */
export function makeWarcRecordReader(maxPageBytes: number) {
  return async (record: WARCRecord, position: number): Promise<SourceUnit> => {
    const unit: SourceUnit = { position, next: position, pairs: [], rejects: [] };
    if (record.warcType !== 'response') return unit;
    const status = Number(record.httpHeaders?.statusCode ?? 0);
    const contentType = record.httpHeaders?.headers.get('content-type') ?? undefined;
    const type = contentType?.split(';')[0]?.trim().toLowerCase();
    if (status < 200 || status >= 300 || (type !== 'text/html' && type !== 'application/xhtml+xml')) return unit;
    const pageUrl = record.warcTargetURI ? normalizeUrl(record.warcTargetURI) : undefined;
    if (pageUrl === undefined) return unit;
    if (record.warcContentLength > maxPageBytes * 4) return reject(unit, 'too_large', pageUrl);
    const body = await record.readFully(true);
    if (body.length > maxPageBytes) return reject(unit, 'too_large', pageUrl);
    const page = extractPage(decodeHtml(body, contentType).text, pageUrl);
    const robots = record.httpHeaders?.headers.get('x-robots-tag') ?? null;
    const pageOptOut = formatOptOut(parseRobotsDirectives(robots, { ...page.robots }));
    unit.pairs = page.pairs.map((p) => ({ imageUrl: p.imageUrl, altRaw: p.altRaw, pageUrl, pageOptOut, columns: null }));
    return unit;
  };
}
