/**
 * Which reference of an `<img>` is its image, and why there is none when none is. Pure: no I/O.
 *
 * Lazy attributes (srcset and `<picture>` candidates, data-srcset, data-src, data-lazy-src,
 * data-original, other data-*src*) are the page author's statement of the real image: they are
 * never dropped for their file name. The name only decides whether `src` is a stand-in when a
 * lazy attribute is there; a stand-in is the last resort rather than dropped.
 */
import { addSrcsetCandidates, isPlaceholderName, noteUsable, sortLargestFirst, type SrcsetCandidate, type Unusables } from './srcset.js';

/** Why an `<img>` with a non-empty alt yielded no pair (counted per page, in the summary and stats). */
export type NoPairReason = 'no_usable_url' | 'data_uri_only' | 'unsupported_type' | 'unsupported_scheme' | 'invalid_url';

export interface ImgAttributes {
  src: string | undefined;
  srcset: string | undefined;
  dataSrcset: string | undefined;
  /** data-src, data-lazy-src, data-original, another data-*src*, in that order. */
  lazy: readonly (string | undefined)[];
  /** Candidates of the enclosing `<picture>`'s sources. */
  picture: readonly SrcsetCandidate[];
}

/** The references to try, best first: largest srcset candidate, src, the lazy attributes, a stand-in src. */
export function imgRefs(img: ImgAttributes, seen: Unusables): string[] {
  const candidates = img.picture.slice();
  addSrcsetCandidates(candidates, img.srcset, img.dataSrcset, seen);
  const refs = candidates.length > 1 ? sortLargestFirst(candidates).map((c) => c.url) : candidates.map((c) => c.url);
  const lazy = img.lazy.filter((v): v is string => v !== undefined && noteUsable(v, seen));
  const src = img.src !== undefined && noteUsable(img.src, seen) ? img.src : undefined;
  const standIn = src !== undefined && (refs.length > 0 || lazy.length > 0) && isPlaceholderName(src);
  if (src !== undefined && !standIn) refs.push(src);
  refs.push(...lazy);
  if (standIn) refs.push(src);
  return refs;
}

/** Why no reference resolved to an http(s) URL. */
export function noPairReason(refs: readonly string[], seen: Unusables, base: string): NoPairReason {
  if (refs.length > 0) return parses(refs[0]!, base) ? 'unsupported_scheme' : 'invalid_url';
  if (seen.data) return 'data_uri_only';
  if (seen.type) return 'unsupported_type';
  if (seen.scheme) return 'unsupported_scheme';
  return 'no_usable_url';
}

function parses(ref: string, base: string): boolean {
  let url: URL;
  try {
    url = new URL(ref, base);
  } catch {
    return false;
  }
  return !((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname === '');
}
