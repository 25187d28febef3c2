import { normalizeUrl } from '../../html/url.js';
import type { ListColumns, SourceUnit } from './types.js';

/**
 * One list row → a unit: the URL in stored form and the caption, or the reason the row cannot be
 * a pair (no_url, bad_url, no_caption). `get` reads a column by name.
 */
export function rowToUnit(index: number, get: (column: string) => unknown, columns: ListColumns): SourceUnit {
  const unit: SourceUnit = { position: index, next: index + 1, pairs: [], rejects: [] };
  const rawUrl = get(columns.urlCol);
  if (rawUrl === undefined || rawUrl === null || String(rawUrl).trim() === '') return reject(unit, 'no_url', null);
  const imageUrl = normalizeUrl(String(rawUrl).trim());
  if (imageUrl === undefined) return reject(unit, 'bad_url', String(rawUrl).slice(0, 200));
  const caption = get(columns.captionCol);
  if (caption === undefined || caption === null || String(caption).trim() === '') return reject(unit, 'no_caption', imageUrl);
  let pageUrl: string | null = null;
  if (columns.pageUrlCol !== null) {
    const rawPage = get(columns.pageUrlCol);
    pageUrl = rawPage === undefined || rawPage === null || String(rawPage).trim() === '' ? null : normalizeUrl(String(rawPage).trim()) ?? null;
  }
  let saved: Record<string, unknown> | null = null;
  if (columns.saveColumns.length > 0) {
    saved = {};
    for (const c of columns.saveColumns) saved[c] = toJsonValue(get(c));
  }
  unit.pairs.push({ imageUrl, altRaw: String(caption), pageUrl, pageOptOut: null, columns: saved });
  return unit;
}

export function reject(unit: SourceUnit, reason: string, detail: string | null): SourceUnit {
  unit.rejects.push({ reason, detail });
  return unit;
}

/** Parquet gives bigints and dates; JSON keeps numbers, strings and null. */
function toJsonValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v;
}
