/**
 * Each built-in filter at its boundaries, the duplicate rule, and pairs outside the raw dataset,
 * on a store written directly with SQL. Every alt not under test has 3–20 words and is unique.
 */
import { FilterConfigSchema, type FilterConfig } from '../../../src/config/filter.js';
import { runFilter, type FilterSummary } from '../../../src/stages/filter/index.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { readDecisions, StoreBuilder, type Decision } from './make-store.js';

const config = (input: unknown = {}): FilterConfig => FilterConfigSchema.parse(input);

async function filterStore(build: (s: StoreBuilder) => void, input: unknown = {}): Promise<{ d: Map<number, Decision>; summary: FilterSummary }> {
  const tmp = makeTempDir('align-filter-');
  try {
    const s = new StoreBuilder(tmp.dir);
    build(s);
    s.close();
    const summary = await runFilter(config(input), makeContext(tmp.dir));
    return { d: readDecisions(tmp.dir), summary };
  } finally {
    tmp.cleanup();
  }
}

const unique = (i: number, words = 4): string => ['plain', 'caption', 'number', String(i), 'with', 'extra', 'words'].slice(0, words).join(' ');

describe('filter boundaries', () => {
  test('image size: a shorter side of 200 px is rejected, 201 px kept', async () => {
    const ids: Record<string, number> = {};
    const { d } = await filterStore((s) => {
      ids.w200 = s.simplePair(unique(1), { width: 400, height: 200 });
      ids.w201 = s.simplePair(unique(2), { width: 201, height: 402 });
      ids.h200 = s.simplePair(unique(3), { width: 200, height: 200 });
    });
    expect(d.get(ids.w200!)).toMatchObject({ kept: 0, reason: 'image-size', reasons: 'image-size' });
    expect(d.get(ids.h200!)).toMatchObject({ kept: 0, reason: 'image-size' });
    expect(d.get(ids.w201!)).toMatchObject({ kept: 1, reason: null, reasons: null });
  });

  test('aspect ratio: 3.0 is rejected, 2.99 kept, whichever side is long', async () => {
    const ids: Record<string, number> = {};
    const { d } = await filterStore((s) => {
      ids.wide3 = s.simplePair(unique(1), { width: 900, height: 300 });
      ids.tall3 = s.simplePair(unique(2), { width: 300, height: 900 });
      ids.wide299 = s.simplePair(unique(3), { width: 897, height: 300 });
      ids.tall299 = s.simplePair(unique(4), { width: 300, height: 897 });
    });
    expect(d.get(ids.wide3!)).toMatchObject({ kept: 0, reason: 'aspect-ratio', reasons: 'aspect-ratio' });
    expect(d.get(ids.tall3!)).toMatchObject({ kept: 0, reason: 'aspect-ratio' });
    expect(d.get(ids.wide299!)!.kept).toBe(1);
    expect(d.get(ids.tall299!)!.kept).toBe(1);
  });

  test('images per alt: an alt on 10 distinct images is kept, on 11 rejected; case, white space and a second URL do not count twice', async () => {
    const ten: number[] = [];
    const eleven: number[] = [];
    let mirror = 0;
    const { d } = await filterStore((s) => {
      // Ten distinct images, one of them also served from a second URL (same bytes): still 10.
      const sha = 'a'.repeat(64);
      for (let i = 0; i < 9; i++) ten.push(s.simplePair('a red bicycle leaning on a wall'));
      ten.push(s.simplePair('a red bicycle leaning on a wall', { sha }));
      mirror = s.simplePair('a red bicycle leaning on a wall', { sha, url: 'http://mirror.example/bike.jpg' });
      // Eleven distinct images under case and white-space variants of one alt: one alt, 11 images.
      const variants = ['a blue bicycle leaning on a wall', 'A Blue Bicycle leaning on a wall', '  a blue   bicycle leaning on a WALL '];
      for (let i = 0; i < 11; i++) eleven.push(s.simplePair(variants[i % 3]!));
    });
    for (const id of ten) expect(d.get(id)!.kept).toBe(1);
    // Same bytes, same alt: the same sample as the one found first.
    expect(d.get(mirror)).toMatchObject({ kept: 0, reason: 'duplicate', reasons: 'duplicate' });
    for (const id of eleven) expect(d.get(id)).toMatchObject({ kept: 0, reason: 'images-per-alt' });
  });

  test('alts per image: an image with 1000 distinct alts is kept, with 1001 rejected; case variants are one alt', async () => {
    const at1000: number[] = [];
    const at1001: number[] = [];
    const { d } = await filterStore((s) => {
      const page = s.page();
      const a = s.image();
      const b = s.image();
      for (let i = 0; i < 1000; i++) at1000.push(s.pair(page, a, `photo number ${i} of the first set`));
      // A case variant of an alt already there: still 1000 distinct alts.
      at1000.push(s.pair(page, a, 'PHOTO number 7 of the first set'));
      for (let i = 0; i < 1001; i++) at1001.push(s.pair(page, b, `photo number ${i} of the second set`));
    });
    // The variant is the same sample as pair 7 (same image, same counting key); on the same page and
    // image URL the copies are ordered by alt_norm, where 'PHOTO' comes before 'photo': pair 7 is the duplicate.
    expect(at1000.filter((_, i) => i !== 7).every((id) => d.get(id)!.kept === 1)).toBe(true);
    expect(d.get(at1000[7]!)).toMatchObject({ kept: 0, reason: 'duplicate' });
    expect(at1001.every((id) => d.get(id)!.reason === 'alts-per-image')).toBe(true);
  });

  test('word count: 2 and 21 words rejected, 3 and 20 kept', async () => {
    const words = (n: number): string => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
    const ids: Record<number, number> = {};
    const { d } = await filterStore((s) => {
      for (const n of [2, 3, 20, 21]) ids[n] = s.simplePair(words(n));
    });
    expect(d.get(ids[2]!)).toMatchObject({ kept: 0, reason: 'word-count' });
    expect(d.get(ids[3]!)!.kept).toBe(1);
    expect(d.get(ids[20]!)!.kept).toBe(1);
    expect(d.get(ids[21]!)).toMatchObject({ kept: 0, reason: 'word-count' });
  });

  test('opt-out: noai from the page meta, noimageai from the image header, both, or neither', async () => {
    const ids: Record<string, number> = {};
    const { d } = await filterStore((s) => {
      ids.meta = s.simplePair(unique(1), {}, { optOut: 'noai' });
      ids.header = s.simplePair(unique(2), { optOut: 'noimageai' });
      ids.both = s.simplePair(unique(3), { optOut: 'noai' }, { optOut: 'noai,noimageai' });
      ids.other = s.simplePair(unique(4), {}, { optOut: 'noarchive' });
      ids.none = s.simplePair(unique(5));
      // The crawler does not download an image whose response or page opts out: not in the raw dataset.
      ids.skippedImage = s.simplePair(unique(6), { status: 'failed', error: 'opt_out', optOut: 'noai' });
      ids.skippedPage = s.simplePair(unique(7), { status: 'failed', error: 'page_opt_out' }, { optOut: 'noimageai' });
    });
    expect(d.get(ids.skippedImage!)).toMatchObject({ kept: 0, reason: 'opt-out' });
    expect(d.get(ids.skippedPage!)).toMatchObject({ kept: 0, reason: 'opt-out' });
    expect(d.get(ids.meta!)).toMatchObject({ kept: 0, reason: 'opt-out' });
    expect(d.get(ids.header!)).toMatchObject({ kept: 0, reason: 'opt-out' });
    expect(d.get(ids.both!)).toMatchObject({ kept: 0, reason: 'opt-out' });
    expect(d.get(ids.other!)!.kept).toBe(1);
    expect(d.get(ids.none!)!.kept).toBe(1);
  });

  test('blocklist: a blocked host (and its subdomains) and a URL pattern', async () => {
    const ids: Record<string, number> = {};
    const { d } = await filterStore(
      (s) => {
        ids.pageHost = s.simplePair(unique(1), {}, { url: 'http://ads.example/p.html' });
        ids.subdomain = s.simplePair(unique(2), { url: 'http://cdn.ads.example/x.jpg' });
        ids.pattern = s.simplePair(unique(3), { url: 'http://img.example/tracking/pixel-1.jpg' });
        ids.lookalike = s.simplePair(unique(4), {}, { url: 'http://notads.example/p.html' });
      },
      { blocklist: { hosts: ['ads.example'], urlPatterns: ['*/tracking/*'] } },
    );
    expect(d.get(ids.pageHost!)).toMatchObject({ kept: 0, reason: 'blocklist' });
    expect(d.get(ids.subdomain!)).toMatchObject({ kept: 0, reason: 'blocklist' });
    expect(d.get(ids.pattern!)).toMatchObject({ kept: 0, reason: 'blocklist' });
    expect(d.get(ids.lookalike!)!.kept).toBe(1);
  });

  test('a pair failing several filters records the first in DESIGN order as reason and all of them in reasons', async () => {
    let id = 0;
    const { d, summary } = await filterStore((s) => {
      id = s.simplePair('two words', { width: 150, height: 600 }, { optOut: 'noai' });
    });
    expect(d.get(id)).toMatchObject({ kept: 0, reason: 'image-size', reasons: 'image-size,aspect-ratio,word-count,opt-out' });
    expect(summary.filters['image-size']).toEqual({ active: true, first: 1, any: 1 });
    expect(summary.filters['opt-out']).toEqual({ active: true, first: 0, any: 1 });
  });

  test('identical pairs on several pages: the first in URL order is the sample, the copies are duplicates', async () => {
    const ids: Record<string, number> = {};
    const { d, summary } = await filterStore((s) => {
      const page = (name: string): number => s.page({ url: `http://site.example/${name}.html` });
      const img = s.image();
      // Found last, but its page URL comes first: the source, whatever the order pairs were recorded in.
      ids.copy = s.pair(page('b'), img, 'a cat asleep on the sofa');
      ids.caseCopy = s.pair(page('c'), img, 'A cat asleep on the Sofa');
      ids.first = s.pair(page('a'), img, 'a cat asleep on the sofa');
      ids.otherAlt = s.pair(s.page(), img, 'a cat asleep on the chair');
      ids.otherImage = s.simplePair('a cat asleep on the sofa');
    });
    expect(d.get(ids.first!)!.kept).toBe(1);
    expect(d.get(ids.copy!)).toMatchObject({ kept: 0, reason: 'duplicate', reasons: 'duplicate' });
    expect(d.get(ids.caseCopy!)).toMatchObject({ kept: 0, reason: 'duplicate' });
    expect(d.get(ids.otherAlt!)!.kept).toBe(1);
    expect(d.get(ids.otherImage!)!.kept).toBe(1);
    expect(summary).toMatchObject({ rawPairs: 5, samples: 3, kept: 3, duplicates: 2 });
  });

  test('copies are judged by the filters like the first; only a copy that passes them all is a duplicate', async () => {
    const ids: Record<string, number> = {};
    const { d, summary } = await filterStore((s) => {
      // A 150x150 image found on two pages: both copies fail image size, the copy too.
      const small = s.image({ width: 150, height: 150 });
      ids.smallFirst = s.pair(s.page(), small, 'a small icon of a house');
      ids.smallCopy = s.pair(s.page(), small, 'a small icon of a house');
      // A good image on three pages (in URL order): the second page opted out, the third did not.
      const good = s.image();
      ids.goodFirst = s.pair(s.page({ url: 'http://site.example/harbour-a.html' }), good, 'a harbour full of boats');
      ids.optedOutCopy = s.pair(s.page({ url: 'http://site.example/harbour-b.html', optOut: 'noai' }), good, 'a harbour full of boats');
      ids.passingCopy = s.pair(s.page({ url: 'http://site.example/harbour-c.html' }), good, 'A harbour full of boats');
    });
    expect(d.get(ids.smallFirst!)).toMatchObject({ kept: 0, reason: 'image-size', reasons: 'image-size' });
    expect(d.get(ids.smallCopy!)).toMatchObject({ kept: 0, reason: 'image-size', reasons: 'image-size' });
    expect(d.get(ids.goodFirst!)).toMatchObject({ kept: 1, reason: null });
    expect(d.get(ids.optedOutCopy!)).toMatchObject({ kept: 0, reason: 'opt-out', reasons: 'opt-out' });
    expect(d.get(ids.passingCopy!)).toMatchObject({ kept: 0, reason: 'duplicate', reasons: 'duplicate' });
    expect(summary).toMatchObject({ kept: 1, duplicates: 1 });
    expect(summary.filters['image-size']).toMatchObject({ first: 2, any: 2 });
    expect(summary.filters['opt-out']).toMatchObject({ first: 1, any: 1 });
  });

  test('pairs whose image failed or is still queued are outside the raw dataset and do not count', async () => {
    const ids: Record<string, number> = {};
    const { d, summary } = await filterStore((s) => {
      // The same alt on 10 ok images and 5 failed ones: only the 10 count, so it is kept.
      for (let i = 0; i < 10; i++) s.simplePair('a shared caption for these');
      for (let i = 0; i < 5; i++) ids[`failed${i}`] = s.simplePair('a shared caption for these', { status: 'failed' });
      ids.queued = s.simplePair(unique(1), { status: 'queued' });
    });
    expect(d.get(ids.failed0!)).toMatchObject({ kept: 0, reason: 'image_failed' });
    expect(d.get(ids.queued!)).toMatchObject({ kept: 0, reason: 'image_pending' });
    expect(summary).toMatchObject({ pairs: 16, rawPairs: 10, kept: 10, imageNotOk: 6 });
  });

  test('every threshold is a config value', async () => {
    const ids: Record<string, number> = {};
    const { d } = await filterStore(
      (s) => {
        ids.small = s.simplePair(unique(1), { width: 120, height: 120 });
        ids.short = s.simplePair('one');
      },
      { imageSize: { minSidePx: 100 }, wordCount: { min: 1 }, aspectRatio: { enabled: false } },
    );
    expect(d.get(ids.small!)!.kept).toBe(1);
    expect(d.get(ids.short!)!.kept).toBe(1);
  });
});
