/**
 * extractPage over the 95 real pages of the shared corpus, against MANIFEST.json's counts
 * (computed with Python's html.parser, see the corpus README).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractPage, type PageExtract } from '../../../src/html/extract.js';
import { corpusDir, corpusManifest, type ManifestEntry } from '../../helpers/paths.js';

/**
 * Pages where our count of `<img>` with a non-empty alt (before any URL check) differs from
 * MANIFEST `img_with_alt`, with the reason. There are none: on this corpus htmlparser2 and
 * html.parser agree on every point that decides the count: script and style bodies are raw text,
 * comments hide their content, noscript content is parsed as HTML and counted (by both), the
 * first of a repeated attribute wins, and alt is trimmed the same way. The two `<template>`
 * elements in the corpus (article-author-tag, wikipedia-4, a declarative shadow root) hold no
 * `<img>`, and no `<textarea>`/`<title>` holds one, which are the places we would differ
 * (we skip inert templates; htmlparser2 reads textarea and title as text).
 */
const ALT_COUNT_DELTAS: Record<string, { delta: number; reason: string }> = {};

/**
 * Pages where some `<img>` with a non-empty alt yields no pair because it has no usable image
 * URL, found by reading each such element in the page. Every other counted img yields a pair.
 */
const NO_URL_DROPS: Record<string, { dropped: number; reason: string }> = {
  'archive-of-our-own': { dropped: 1, reason: 'the site logo is inlined as a data: PNG (PageSpeed) and has no other source' },
  cnet: { dropped: 1, reason: 'a "Livefyre" 1x1 data: GIF with no other source' },
  'data-url-image': {
    dropped: 1,
    reason: 'the first img has only a data: GIF src; the second also has data-srcset, which gives its URL',
  },
  'lazy-image-1': {
    dropped: 2,
    reason: 'Medium lazy loading: an <img> with alt but no src at all (a script fills it); the real URL is in the <noscript> copy, which is its own pair',
  },
  'medium-3': { dropped: 3, reason: 'Medium lazy loading, as lazy-image-1: src-less <img>, real one in <noscript>' },
  'quanta-1': { dropped: 1, reason: 'a React <img> with alt but no src; the <noscript> copy right after has the URL' },
  theverge: {
    dropped: 2,
    reason: 'next/image: src is a 1x1 data: GIF and the real srcset is only in the <noscript> copy that follows',
  },
  'topicseed-1': { dropped: 1, reason: 'Gatsby blur-up: an aria-hidden data: PNG preview; the real <img srcset> follows it' },
};
// Not drops: wordpress's Jetpack spinner (src .../loading.gif, alt "loading") and yahoo-4's five skip
// links on clear.gif have no lazy attribute beside them, so their src is the image: a file name is
// weak evidence, and the image-size filter rejects a 1x1 spacer once it is fetched.

interface PageRun {
  name: string;
  entry: ManifestEntry;
  result: PageExtract;
}

const dir = corpusDir();
const runs: PageRun[] = corpusManifest()
  .filter((entry) => entry.kind === 'page')
  .map((entry) => {
    const name = entry.path.replace(/^pages\//, '').replace(/\.html$/, '');
    const html = readFileSync(join(dir, entry.path), 'utf8');
    return { name, entry, result: extractPage(html, `http://fakehost/${name}.html`) };
  });

const extra = (run: PageRun, key: string): number => run.entry.html_extra?.[key] as number;

test('the corpus has its 95 pages and 1,140 img with a non-empty alt', () => {
  expect(runs).toHaveLength(95);
  expect(runs.reduce((sum, run) => sum + run.entry.img_with_alt!, 0)).toBe(1140);
});

test('the delta tables name only corpus pages', () => {
  const names = new Set(runs.map((run) => run.name));
  for (const name of [...Object.keys(ALT_COUNT_DELTAS), ...Object.keys(NO_URL_DROPS)]) expect(names).toContain(name);
});

describe.each(runs.map((run) => [run.name, run] as const))('%s', (_name, run) => {
  const { entry, result } = run;

  test('img with a non-empty alt: MANIFEST img_with_alt (plus the explained delta)', () => {
    expect(result.counts.imgWithAlt - entry.img_with_alt!).toBe(ALT_COUNT_DELTAS[run.name]?.delta ?? 0);
  });

  test('pairs: at most that count, and exactly the explained drops fewer', () => {
    expect(result.pairs.length).toBeLessThanOrEqual(entry.img_with_alt!);
    expect(result.counts.imgWithAlt - result.pairs.length).toBe(NO_URL_DROPS[run.name]?.dropped ?? 0);
    // Every drop is counted with a reason.
    expect(Object.values(result.imgsNotPaired).reduce((a, b) => a + b, 0)).toBe(NO_URL_DROPS[run.name]?.dropped ?? 0);
  });

  test('img tags, srcset, noscript and picture counts agree with html_extra', () => {
    expect(result.counts.img).toBe(entry.img_tags);
    expect(result.counts.imgWithSrcset).toBe(extra(run, 'img_with_srcset'));
    expect(result.counts.imgInNoscript).toBe(extra(run, 'img_inside_noscript'));
    expect(result.counts.picture).toBe(extra(run, 'picture_tags'));
    expect(result.counts.sourceWithSrcset).toBe(extra(run, 'source_with_srcset'));
  });

  test('every pair is an absolute http(s) URL without fragment and a non-blank alt', () => {
    for (const pair of result.pairs) {
      expect(pair.imageUrl).toMatch(/^https?:\/\/[^#\s]+$/);
      expect(pair.altRaw.trim()).not.toBe('');
    }
    for (const link of result.links) expect(link).toMatch(/^https?:\/\/[^#\s]+$/);
  });
});

describe('pages chosen for one feature', () => {
  const byName = (name: string): PageExtract => runs.find((run) => run.name === name)!.result;

  test('totals over the corpus: 1,140 counted, 1,128 with a usable URL, the 12 others by reason', () => {
    expect(runs.reduce((sum, run) => sum + run.result.counts.imgWithAlt, 0)).toBe(1140);
    expect(runs.reduce((sum, run) => sum + run.result.pairs.length, 0)).toBe(1140 - 12);
    const reasons: Record<string, number> = {};
    for (const run of runs) for (const [k, n] of Object.entries(run.result.imgsNotPaired)) reasons[k] = (reasons[k] ?? 0) + n;
    // data: only: archive-of-our-own, cnet, data-url-image, theverge ×2, topicseed-1; no URL at all: lazy-image-1 ×2, medium-3 ×3, quanta-1.
    expect(reasons).toEqual({ data_uri_only: 6, no_usable_url: 6 });
  });

  test('<base href="/"> and <base href="base/"> set the base URL', () => {
    expect(byName('base-url').baseUrl).toBe('http://fakehost/base-url.html');
    expect(byName('base-url-base-element').baseUrl).toBe('http://fakehost/');
    expect(byName('base-url-base-element-relative').baseUrl).toBe('http://fakehost/base/');
    // Its links: relative ones under /base/, root-relative ones not; "#foo" (this page) dropped.
    expect(byName('base-url-base-element-relative').links).toEqual([
      'http://fakehost/base/foo/bar/baz.html',
      'http://fakehost/foo/bar/baz.html',
      'http://fakehost/base/baz.html',
      'http://test/foo/bar/baz.html',
      'https://test/foo/bar/baz.html',
    ]);
  });

  test('data-url-image: data-srcset with commas inside the URLs gives the largest (800w) rendition', () => {
    expect(byName('data-url-image').pairs.map((p) => p.imageUrl)).toEqual([
      'https://i.kinja-img.com/gawker-media/image/upload/c_scale,f_auto,fl_progressive,q_80,w_800/18zu12g5xzyxojpg.jpg',
    ]);
  });

  test('lazy-image-2: every pair comes from a lazy attribute on the kinja CDN, none from the data: placeholders', () => {
    const pairs = byName('lazy-image-2').pairs;
    expect(pairs).toHaveLength(63); // all 67 srcs are data: URIs; all 63 alts still get a URL
    for (const pair of pairs) expect(pair.imageUrl).toMatch(/^https:\/\/i\.kinja-img\.com\//);
  });
});
