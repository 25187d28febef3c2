/**
 * Image candidate URLs. `srcset` parsing as the HTML standard's "parse a srcset attribute" does it: URLs may contain
 * commas (only a trailing comma ends a URL), descriptors are `Nw`, `Nx` or `Nh`, a candidate with
 * an invalid descriptor is dropped, and a candidate without descriptors means 1x. Pure: no I/O.
 */

export interface SrcsetCandidate {
  url: string;
  /** The `w` descriptor, when given. */
  width?: number;
  /** The `x` descriptor; 1 when neither `w` nor `x` is given. */
  density?: number;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

export function parseSrcset(value: string, out: SrcsetCandidate[] = []): SrcsetCandidate[] {
  const n = value.length;
  let pos = 0;
  while (pos < n) {
    while (pos < n && (isSpace(value.charCodeAt(pos)) || value.charCodeAt(pos) === 0x2c)) pos++;
    if (pos >= n) break;
    const urlStart = pos;
    while (pos < n && !isSpace(value.charCodeAt(pos))) pos++;
    let urlEnd = pos;
    let descriptors: string[] = [];
    if (value.charCodeAt(urlEnd - 1) === 0x2c) {
      while (urlEnd > urlStart && value.charCodeAt(urlEnd - 1) === 0x2c) urlEnd--;
    } else {
      pos = readDescriptors(value, pos, (descriptors = []));
    }
    if (urlEnd > urlStart) {
      const candidate = toCandidate(value.slice(urlStart, urlEnd), descriptors);
      if (candidate) out.push(candidate);
    }
  }
  return out;
}

/** Collects the descriptor tokens up to the comma that ends the candidate; returns the new position. */
function readDescriptors(value: string, start: number, out: string[]): number {
  const n = value.length;
  let pos = start;
  while (pos < n && isSpace(value.charCodeAt(pos))) pos++;
  let current = '';
  let inParens = false;
  for (; pos < n; pos++) {
    const c = value.charCodeAt(pos);
    if (inParens) {
      current += value[pos];
      if (c === 0x29) inParens = false;
    } else if (isSpace(c)) {
      if (current !== '') out.push(current);
      current = '';
    } else if (c === 0x2c) {
      pos++;
      break;
    } else {
      if (c === 0x28) inParens = true;
      current += value[pos];
    }
  }
  if (current !== '') out.push(current);
  return pos;
}

const NON_NEGATIVE_INTEGER = /^\d+$/;
const FLOAT = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

function toCandidate(url: string, descriptors: string[]): SrcsetCandidate | null {
  let width: number | undefined;
  let density: number | undefined;
  let height: number | undefined;
  for (const d of descriptors) {
    const kind = d[d.length - 1];
    const number = d.slice(0, -1);
    if (kind === 'w' && width === undefined && density === undefined && NON_NEGATIVE_INTEGER.test(number)) {
      width = Number(number);
      if (width === 0) return null;
    } else if (kind === 'x' && width === undefined && density === undefined && height === undefined && FLOAT.test(number)) {
      density = Number(number);
      if (density < 0) return null;
    } else if (kind === 'h' && height === undefined && density === undefined && NON_NEGATIVE_INTEGER.test(number)) {
      height = Number(number);
      if (height === 0) return null;
    } else {
      return null; // an unknown or repeated descriptor makes the candidate invalid
    }
  }
  if (height !== undefined && width === undefined) return null;
  if (width !== undefined) return { url, width };
  return { url, density: density ?? 1 };
}

/**
 * Orders candidates largest first: every `w` candidate (by width) before the density ones
 * (by density), keeping document order between equals, so the first usable one is "the largest".
 */
export function sortLargestFirst(candidates: SrcsetCandidate[]): SrcsetCandidate[] {
  return candidates
    .map((candidate, index) => ({ candidate, index }))
    .sort((a, b) => compareSize(b.candidate, a.candidate) || a.index - b.index)
    .map((entry) => entry.candidate);
}

function compareSize(a: SrcsetCandidate, b: SrcsetCandidate): number {
  const aw = a.width !== undefined;
  const bw = b.width !== undefined;
  if (aw !== bw) return aw ? 1 : -1;
  return aw ? a.width! - b.width! : (a.density ?? 1) - (b.density ?? 1);
}

/** The largest candidate (by w, else x), or null for an empty list. */
export function pickLargest(candidates: SrcsetCandidate[]): SrcsetCandidate | null {
  let best: SrcsetCandidate | null = null;
  for (const candidate of candidates) if (best === null || compareSize(candidate, best) > 0) best = candidate;
  return best;
}

// --- Which candidates can be the image -------------------------------------------------

/** MIME types sharp's prebuilt binaries decode; a `<source type>` outside this set is skipped. */
const DECODABLE_TYPES = new Set([
  'image/jpeg', 'image/jpg', 'image/pjpeg', 'image/png', 'image/apng', 'image/webp',
  'image/gif', 'image/avif', 'image/svg+xml', 'image/tiff',
]);

/** False for a `<source type>` naming a format the crawler cannot decode (JPEG XL, JPEG 2000, HEIC, …). */
export function isDecodableImageType(type: string): boolean {
  const mime = type.split(';')[0]!.trim().toLowerCase();
  return mime === '' || DECODABLE_TYPES.has(mime);
}

/** Spacer and lazy-loading stand-in file names: blank.gif, spacer.png, placeholder-1x1.svg, ... */
const PLACEHOLDER_NAME =
  /(?:^|\/)(?:blank|spacer|placeholder|pixel|transparent|empty|clear|1x1|lazy|lazyload|loading)(?:[-_.]?(?:\d+x\d+|\d+|img|image|px))?\.(?:gif|png|svg|jpe?g|webp)(?:[?#]|$)/i;

/**
 * True for a file name that lazy-loading scripts use for the stand-in image. A name is weak
 * evidence (a real photo may be called lazy.jpg): it only decides whether `src` (or `srcset`)
 * stands in for a lazy attribute beside it, never whether a lazy attribute's own URL is used.
 */
export function isPlaceholderName(value: string): boolean {
  return PLACEHOLDER_NAME.test(value.trim());
}

/** What a value that names no fetchable image is: nothing, a data: URI, or a scheme no fetch can follow. */
export type Unusable = 'empty' | 'data' | 'scheme';

export function unusableKind(value: string): Unusable | null {
  const v = value.trim();
  if (v === '' || v === '#') return 'empty';
  const head = v.slice(0, 11).toLowerCase();
  if (head.startsWith('data:')) return 'data';
  if (head.startsWith('blob:') || head.startsWith('javascript:') || head.startsWith('about:')) return 'scheme';
  return null;
}

/** True for src values that are no image or, by their name, look like a stand-in. */
export function isPlaceholderSrc(value: string): boolean {
  return unusableKind(value) !== null || isPlaceholderName(value);
}

const URL_LIKE = /^\s*(?:https?:\/\/|\/)|\.(?:jpe?g|png|gif|webp|avif|svg|tiff?)\s*(?:[?#]|$)/i;

/**
 * Other lazy-loading attributes seen on real pages (`data-n-src`, `data-source-standard`,
 * `data-hi-res-src`, …): a `data-*` attribute named like a source whose value looks like an image URL.
 * Used only after src, data-src, data-lazy-src and data-original.
 */
export function isOtherLazyAttribute(name: string, value: string): boolean {
  if (!name.startsWith('data-') || name.includes('srcset')) return false;
  if (!name.includes('src') && !name.includes('source')) return false;
  return URL_LIKE.test(value);
}

/** The kinds of unusable values seen on one <img> (and its <picture>): why it yields no pair, if it does not. */
export interface Unusables {
  data: boolean;
  scheme: boolean;
  /** A <source> was skipped for its type. */
  type: boolean;
}

export function noUnusables(): Unusables {
  return { data: false, scheme: false, type: false };
}

/** Notes a value's kind when it is unusable; true when it can be fetched. */
export function noteUsable(value: string, seen: Unusables): boolean {
  const kind = unusableKind(value);
  if (kind === 'data') seen.data = true;
  else if (kind === 'scheme') seen.scheme = true;
  return kind === null;
}

/**
 * Adds the usable candidates of `srcset`, or of `lazySrcset` (data-srcset) when srcset is a
 * stand-in: missing, nothing usable, or (only when data-srcset has candidates) every one named
 * like a placeholder. data-srcset's own candidates are never judged by name.
 */
export function addSrcsetCandidates(out: SrcsetCandidate[], srcset: string | undefined, lazySrcset: string | undefined, seen: Unusables): void {
  const eager = usableCandidates(srcset, seen);
  const lazy = usableCandidates(lazySrcset, seen);
  const standIn = eager.length === 0 || (lazy.length > 0 && eager.every((c) => isPlaceholderName(c.url)));
  out.push(...(standIn ? lazy : eager));
}

function usableCandidates(srcset: string | undefined, seen: Unusables): SrcsetCandidate[] {
  if (srcset === undefined || srcset === '') return [];
  return parseSrcset(srcset).filter((c) => noteUsable(c.url, seen));
}
