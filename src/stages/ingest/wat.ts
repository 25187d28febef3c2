import type { WARCRecord } from 'warcio';
import { formatOptOut, parseRobotsDirectives, ROBOTS_AGENT } from '../../html/robots-directives.js';
import { normalizeUrl } from '../../html/url.js';
import { reject } from './rows.js';
import { singleRecord } from './warc-head.js';
import type { FoundPair, SourceUnit } from './types.js';

/**
 * Common Crawl WAT `metadata` records → pairs, as cc2dataset extracts them: the entries of
 * `Envelope.Payload-Metadata.HTTP-Response-Metadata.HTML-Metadata.Links` with `path` "IMG@/src"
 * and a non-empty `alt`, resolved against `Head.Base` (itself resolved against the page) or else
 * the record's WARC-Target-URI; only http(s) URLs are kept. The page's robots meta
 * (`Head.Metas`) and X-Robots-Tag header say whether it opted out (noai / noimageai).
 */

interface WatLink {
  path?: string;
  url?: string;
  alt?: string;
}

interface HtmlMetadata {
  Head?: { Base?: string; Metas?: { name?: string; content?: string }[] };
  Links?: WatLink[];
}

export async function watRecordToUnit(record: WARCRecord, position: number): Promise<SourceUnit> {
  const unit: SourceUnit = { position, next: position, pairs: [], rejects: [] };
  if (record.warcType !== 'metadata') return unit;
  const payload = await record.readFully(false);
  return payloadToUnit(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), unit); // a view, not a copy
}

/**
 * The fast path for a gzip member holding one plain record (warc-head.ts), which is how Common
 * Crawl writes WATs: the same unit as watRecordToUnit gives, without warcio's per-record
 * machinery; undefined for any other member, which then goes through warcio.
 */
export function watMemberToUnit(data: Buffer, position: number): SourceUnit | undefined {
  const record = singleRecord(data);
  if (!record) return undefined;
  const unit: SourceUnit = { position, next: position, pairs: [], rejects: [] };
  return record.type === 'metadata' ? payloadToUnit(record.payload, unit) : unit;
}

function payloadToUnit(bytes: Buffer, unit: SourceUnit): SourceUnit {
  // Records without an image link are skipped before decoding and parsing (a byte search is cheap).
  if (bytes.indexOf('IMG@/src') < 0) return unit;
  let envelope: Record<string, any>;
  try {
    envelope = (JSON.parse(bytes.toString('utf8')) as { Envelope: Record<string, any> }).Envelope;
  } catch (err) {
    return reject(unit, 'bad_json', (err as Error).message.slice(0, 200));
  }
  const target = envelope?.['WARC-Header-Metadata']?.['WARC-Target-URI'] as string | undefined;
  const response = envelope?.['Payload-Metadata']?.['HTTP-Response-Metadata'] as Record<string, any> | undefined;
  const html = response?.['HTML-Metadata'] as HtmlMetadata | undefined;
  const pageUrl = target === undefined ? undefined : normalizeUrl(target);
  if (!html || pageUrl === undefined) return unit;
  const base = (html.Head?.Base ? normalizeUrl(html.Head.Base, pageUrl, true) : undefined) ?? target!;
  const pageOptOut = pageDirectives(html, response?.Headers as Record<string, unknown> | undefined);
  unit.pairs = imagePairs(html.Links ?? [], base, pageUrl, pageOptOut);
  return unit;
}

function imagePairs(links: WatLink[], base: string, pageUrl: string, pageOptOut: string | null): FoundPair[] {
  const pairs: FoundPair[] = [];
  for (const link of links) {
    if (link.path !== 'IMG@/src' || typeof link.alt !== 'string' || link.alt === '' || typeof link.url !== 'string') continue;
    const imageUrl = normalizeUrl(link.url, base);
    if (imageUrl !== undefined) pairs.push({ imageUrl, altRaw: link.alt, pageUrl, pageOptOut, columns: null });
  }
  return pairs;
}

function pageDirectives(html: HtmlMetadata, headers: Record<string, unknown> | undefined): string | null {
  const values: string[] = [];
  for (const meta of html.Head?.Metas ?? []) {
    const name = meta.name?.toLowerCase();
    if ((name === 'robots' || name === ROBOTS_AGENT) && typeof meta.content === 'string') values.push(meta.content);
  }
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === 'x-robots-tag') values.push(...(Array.isArray(value) ? value.map(String) : [String(value)]));
  }
  return formatOptOut(parseRobotsDirectives(values));
}
