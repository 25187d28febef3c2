/**
 * HTML extraction (to be written, issue 2): a streaming htmlparser2 pass over a page that yields
 * its image/alt pairs, its links and its robots directives. Pure: no I/O.
 */

/** One `<img>` with a non-empty alt. */
export interface ExtractedPair {
  /** Absolute http(s) URL of the image: the largest srcset candidate, else src (or data-src & co.). */
  imageUrl: string;
  /** The alt text as found, entities decoded. */
  altRaw: string;
}

export interface RobotsDirectives {
  noindex: boolean;
  nofollow: boolean;
  noai: boolean;
  noimageai: boolean;
}

export interface PageExtract {
  pairs: ExtractedPair[];
  /** Absolute http(s) URLs of links to follow (rel=nofollow dropped, fragments stripped, deduplicated). */
  links: string[];
  /** From `<meta name="robots">` (and `<meta name="align-data">`-style agent-specific tags if supported). */
  robots: RobotsDirectives;
  /** The URL relative references were resolved against (`<base href>` or the page URL). */
  baseUrl: string;
}

export function extractPage(_html: string, _pageUrl: string): PageExtract {
  throw new Error('not implemented yet');
}
