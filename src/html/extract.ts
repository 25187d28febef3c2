/**
 * HTML extraction: a streaming htmlparser2 pass over a page that yields its image/alt pairs, its
 * links and its robots directives. Pure: no I/O.
 *
 * Choices (the crawler's, documented here once):
 * - Every `<img>` with an alt that is not empty after trimming counts, one pair each; the store
 *   deduplicates by (page, image URL, normalised alt).
 * - `<img>` inside `<noscript>` counts: the crawler runs no scripts, so it sees what a browser
 *   without JavaScript shows (htmlparser2 parses noscript content as HTML; MANIFEST.json counts
 *   them too). Lazy-loading pages often repeat an image there; the duplicate pair collapses in the store.
 * - Ignored: `<img>` in `<script>`, `<style>`, `<title>`, `<textarea>` (raw text to the tokenizer),
 *   in comments, and anywhere inside `<template>` (inert until a script clones it), except a
 *   declarative shadow root (`<template shadowrootmode>`), which browsers render.
 * - The image URL is the largest usable srcset candidate (by w, else x; `<picture><source>`
 *   candidates pooled with the img's own), else `src`, else `data-src` / `data-lazy-src` /
 *   `data-original`, else another `data-*src*` / `data-*source*` attribute holding an image URL
 *   (`data-n-src`, `data-source-standard`, …). `data-srcset` (or `data-lazy-srcset`) stands in
 *   for a srcset that is missing or holds only placeholders. A src that is a data: URI,
 *   about:blank or "#" is never the image; a src named like a stand-in (spacer.gif, lazy.jpg)
 *   is tried last when a lazy attribute exists, and is the image when none does (image-refs.ts:
 *   a lazy attribute is never dropped for its name). An img with an alt that yields no pair is
 *   counted by reason (`imgsNotPaired`).
 * - `<source type>` naming a format the crawler cannot decode (JPEG XL, JPEG 2000, HEIC, …) is skipped.
 * - URLs resolve against the first `<base href>` (itself resolved against the page URL, and only
 *   used when http(s)) wherever it appears, so resolution waits for end(). Only http(s) results
 *   are kept; fragments are dropped from image and link URLs.
 * - Links: `<a href>` and `<area href>` without rel=nofollow. When the page's robots meta says
 *   nofollow, no links are returned at all.
 */
import { Parser } from 'htmlparser2';
import { emptyRobotsDirectives, parseRobotsDirectives, type RobotsDirectives } from './robots-directives.js';
import { imgRefs, noPairReason, type NoPairReason } from './image-refs.js';
import { addSrcsetCandidates, isDecodableImageType, isOtherLazyAttribute, noUnusables, type SrcsetCandidate, type Unusables } from './srcset.js';
import { normalizeUrl } from './url.js';

export type { RobotsDirectives } from './robots-directives.js';

/** One `<img>` with a non-empty alt. */
export interface ExtractedPair {
  /** Absolute http(s) URL of the image: the largest srcset candidate, else src (or data-src & co.). */
  imageUrl: string;
  /** The alt text as found, entities decoded. */
  altRaw: string;
}

/** What the page held, before any URL was judged (for the summary, tests and debugging). */
export interface ExtractCounts {
  /** `<img>` elements seen (outside script, style, comments and template). */
  img: number;
  /** Those with an alt that is not empty after trimming: pairs before URL checks. */
  imgWithAlt: number;
  /** Those with a non-empty `srcset`. */
  imgWithSrcset: number;
  /** `<img>` inside `<noscript>`. */
  imgInNoscript: number;
  picture: number;
  /** `<source>` with a non-empty `srcset` inside `<picture>`. */
  sourceWithSrcset: number;
}

export interface PageExtract {
  pairs: ExtractedPair[];
  /** Absolute http(s) URLs of links to follow (rel=nofollow dropped, fragments stripped, deduplicated). */
  links: string[];
  /** From `<meta name="robots">` and `<meta name="align-data">` (agent tags of other crawlers are ignored). */
  robots: RobotsDirectives;
  /** The URL relative references were resolved against (`<base href>` or the page URL). */
  baseUrl: string;
  counts: ExtractCounts;
  /** `<img>` with a non-empty alt that yielded no pair, by reason (`data_uri_only`, `no_usable_url`, ...). */
  imgsNotPaired: Partial<Record<NoPairReason, number>>;
}

// Tag kinds the handler cares about; everything else is OTHER and its attributes are ignored.
const OTHER = 0;
const IMG = 1;
const SOURCE = 2;
const LINK = 3; // <a> and <area>
const BASE = 4;
const META = 5;
const TEMPLATE = 6;

const TAG_KINDS: ReadonlyMap<string, number> = new Map([
  ['img', IMG],
  ['source', SOURCE],
  ['a', LINK],
  ['area', LINK],
  ['base', BASE],
  ['meta', META],
  ['template', TEMPLATE],
]);

interface PendingImage {
  altRaw: string;
  /** Candidate references, best first; the first that resolves to http(s) wins. */
  refs: string[];
  /** What unusable values it had: the reason when no reference resolves. */
  seen: Unusables;
}

/** The htmlparser2 callbacks and the state they build; PageExtractor wraps it. */
class ExtractHandler {
  readonly counts: ExtractCounts = { img: 0, imgWithAlt: 0, imgWithSrcset: 0, imgInNoscript: 0, picture: 0, sourceWithSrcset: 0 };
  readonly robots = emptyRobotsDirectives();
  readonly images: PendingImage[] = [];
  readonly linkRefs = new Set<string>();
  baseHref: string | undefined;

  private kind = OTHER;
  /** Open `<template>` elements, true for inert ones (all but declarative shadow roots). */
  private readonly templates: boolean[] = [];
  private inertDepth = 0;
  private noscriptDepth = 0;
  private pictureDepth = 0;
  private pictureCandidates: SrcsetCandidate[] = [];
  private pictureSeen = noUnusables();
  /** A tag whose attributes are complete only at the next event: LINK, TEMPLATE or OTHER (none). */
  private pending = OTHER;
  private shadowRoot = false;
  // Attributes of the open tag (first occurrence wins, as in browsers).
  private alt: string | undefined;
  private src: string | undefined;
  private srcset: string | undefined;
  private dataSrcset: string | undefined;
  private dataSrc: string | undefined;
  private dataLazySrc: string | undefined;
  private dataOriginal: string | undefined;
  private dataOther: string | undefined;
  private type: string | undefined;
  private href: string | undefined;
  private rel: string | undefined;
  private name: string | undefined;
  private content: string | undefined;

  onopentagname(tag: string): void {
    if (this.pending !== OTHER) this.flushPending();
    const kind = TAG_KINDS.get(tag);
    if (kind === undefined) {
      this.kind = OTHER;
      if (tag === 'picture') this.openPicture();
      else if (tag === 'noscript') this.noscriptDepth++;
      return;
    }
    if (kind === TEMPLATE) {
      this.kind = this.pending = TEMPLATE;
      this.shadowRoot = false;
      return;
    }
    this.kind = this.inertDepth > 0 ? OTHER : kind;
    this.alt = this.src = this.srcset = this.dataSrcset = undefined;
    this.dataSrc = this.dataLazySrc = this.dataOriginal = this.dataOther = this.type = undefined;
    this.href = this.rel = this.name = this.content = undefined;
    if (this.kind === LINK) this.pending = LINK;
  }

  onattribute(name: string, value: string): void {
    switch (this.kind) {
      case OTHER:
        return;
      case IMG:
      case SOURCE:
        this.setImageAttribute(name, value);
        return;
      case LINK:
      case BASE:
        if (name === 'href') this.href ??= value;
        else if (name === 'rel') this.rel ??= value;
        return;
      case META:
        if (name === 'name') this.name ??= value;
        else if (name === 'content') this.content ??= value;
        return;
      case TEMPLATE:
        if (name === 'shadowrootmode' || name === 'shadowroot') this.shadowRoot = true;
        return;
    }
  }

  private setImageAttribute(name: string, value: string): void {
    switch (name) {
      case 'alt': this.alt ??= value; break;
      case 'src': this.src ??= value; break;
      case 'srcset': this.srcset ??= value; break;
      case 'data-srcset':
      case 'data-lazy-srcset':
        this.dataSrcset ??= value;
        break;
      case 'data-src': this.dataSrc ??= value; break;
      case 'data-lazy-src': this.dataLazySrc ??= value; break;
      case 'data-original': this.dataOriginal ??= value; break;
      case 'type': this.type ??= value; break;
      default:
        if (this.dataOther === undefined && isOtherLazyAttribute(name, value)) this.dataOther = value;
        break;
    }
  }

  onclosetag(tag: string): void {
    if (this.pending !== OTHER) this.flushPending();
    // Void elements get their close event right after the open tag, attributes complete.
    switch (this.kind) {
      case IMG:
        if (tag === 'img') this.finishImg();
        break;
      case SOURCE:
        if (tag === 'source') this.finishSource();
        break;
      case BASE:
        if (tag === 'base' && this.baseHref === undefined && this.href !== undefined) this.baseHref = this.href;
        break;
      case META:
        if (tag === 'meta') this.finishMeta();
        break;
      default:
        break;
    }
    this.kind = OTHER;
    if (tag === 'template') this.closeTemplate();
    else if (tag === 'picture') this.pictureDepth = Math.max(0, this.pictureDepth - 1);
    else if (tag === 'noscript') this.noscriptDepth = Math.max(0, this.noscriptDepth - 1);
  }

  onend(): void {
    if (this.pending !== OTHER) this.flushPending();
  }

  private openPicture(): void {
    if (this.inertDepth === 0) this.counts.picture++;
    if (this.pictureDepth++ === 0) {
      this.pictureCandidates = [];
      this.pictureSeen = noUnusables();
    }
  }

  private flushPending(): void {
    const pending = this.pending;
    this.pending = OTHER;
    if (pending === LINK) {
      this.flushLink();
    } else {
      // Declarative shadow DOM renders; any other template is inert until a script clones it.
      const inert = !this.shadowRoot;
      this.templates.push(inert);
      if (inert) this.inertDepth++;
    }
  }

  private closeTemplate(): void {
    const inert = this.templates.pop();
    if (inert === true) this.inertDepth--;
  }

  private flushLink(): void {
    const href = this.href;
    if (href === undefined || href === '' || href.charCodeAt(0) === 0x23 /* '#': this page */) return;
    if (this.rel !== undefined && /(?:^|\s)nofollow(?:\s|$)/i.test(this.rel)) return;
    this.linkRefs.add(href);
  }

  private finishImg(): void {
    const counts = this.counts;
    counts.img++;
    if (this.noscriptDepth > 0) counts.imgInNoscript++;
    if (this.srcset !== undefined && this.srcset.trim() !== '') counts.imgWithSrcset++;
    const alt = this.alt;
    if (alt === undefined || alt.trim() === '') return;
    counts.imgWithAlt++;
    const inPicture = this.pictureDepth > 0;
    const seen = inPicture ? { ...this.pictureSeen } : noUnusables();
    const refs = imgRefs(
      {
        src: this.src,
        srcset: this.srcset,
        dataSrcset: this.dataSrcset,
        lazy: [this.dataSrc, this.dataLazySrc, this.dataOriginal, this.dataOther],
        picture: inPicture ? this.pictureCandidates : [],
      },
      seen,
    );
    this.images.push({ altRaw: alt, refs, seen });
  }

  private finishSource(): void {
    if (this.pictureDepth === 0) return; // <video>/<audio> sources are not images
    if (this.srcset !== undefined && this.srcset.trim() !== '') this.counts.sourceWithSrcset++;
    if (this.type !== undefined && !isDecodableImageType(this.type)) {
      this.pictureSeen.type = true;
      return;
    }
    addSrcsetCandidates(this.pictureCandidates, this.srcset, this.dataSrcset, this.pictureSeen);
  }

  private finishMeta(): void {
    if (this.name === undefined || this.content === undefined) return;
    const name = this.name.trim().toLowerCase();
    if (name === 'robots' || name === 'align-data') parseRobotsDirectives(this.content, this.robots);
  }
}

/** Streaming extraction: write() the decoded page in chunks, then end() for the result. */
export class PageExtractor {
  private readonly handler = new ExtractHandler();
  private readonly parser: Parser;

  constructor(private readonly pageUrl: string) {
    this.parser = new Parser(this.handler, { decodeEntities: true });
  }

  write(chunk: string): void {
    this.parser.write(chunk);
  }

  end(): PageExtract {
    this.parser.end();
    const h = this.handler;
    const base = resolveBase(h.baseHref, this.pageUrl);
    const pairs: ExtractedPair[] = [];
    const imgsNotPaired: PageExtract['imgsNotPaired'] = {};
    for (const image of h.images) {
      const imageUrl = firstHttpUrl(image.refs, base);
      if (imageUrl !== null) {
        pairs.push({ imageUrl, altRaw: image.altRaw });
      } else {
        const reason = noPairReason(image.refs, image.seen, base);
        imgsNotPaired[reason] = (imgsNotPaired[reason] ?? 0) + 1;
      }
    }
    const links = new Set<string>();
    if (!h.robots.nofollow) {
      for (const ref of h.linkRefs) {
        const url = normalizeUrl(ref, base);
        if (url !== undefined) links.add(url);
      }
    }
    return { pairs, links: [...links], robots: h.robots, baseUrl: base, counts: h.counts, imgsNotPaired };
  }
}

export function extractPage(html: string, pageUrl: string): PageExtract {
  const extractor = new PageExtractor(pageUrl);
  extractor.write(html);
  return extractor.end();
}

function resolveBase(baseHref: string | undefined, pageUrl: string): string {
  if (baseHref === undefined) return pageUrl;
  return normalizeUrl(baseHref, pageUrl, true) ?? pageUrl;
}

function firstHttpUrl(refs: readonly string[], base: string): string | null {
  for (const ref of refs) {
    const url = normalizeUrl(ref, base);
    if (url !== undefined) return url;
  }
  return null;
}
