/**
 * Alt-text normalisation, as DESIGN.md fixes it: Unicode NFC, trimmed, runs of white space
 * collapsed to one space. For counting (not for output) it is also lower-cased. Words are
 * white-space separated tokens of the normalised text. Crawl stores all three; filter counts
 * with `altKey`; shard writes `normalizeAlt`.
 */

const WHITE_SPACE = /\s+/gu;

export function normalizeAlt(raw: string): string {
  return raw.normalize('NFC').replace(WHITE_SPACE, ' ').trim();
}

/** The counting key: the normalised text, lower-cased. */
export function altKey(normalized: string): string {
  return normalized.toLowerCase();
}

export function wordCount(normalized: string): number {
  return normalized === '' ? 0 : normalized.split(' ').length;
}
