/**
 * stats over a store whose contents the test planned: totals, kept, rejections by first and by
 * any failing filter, histogram buckets, top hosts; the CLI's table and --json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FilterConfigSchema } from '../../../src/config/filter.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { collectStats } from '../../../src/stages/filter/stats.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { StoreBuilder } from './make-store.js';
import { runCli } from '../../helpers/cli.js';

describe('stats', () => {
  const tmp = makeTempDir('align-stats-');
  afterAll(() => tmp.cleanup());

  beforeAll(() => {
    const s = new StoreBuilder(tmp.dir);
    // big.example: 3 pages, 6 pairs, all kept (640x480, 5 words).
    for (let p = 0; p < 3; p++) {
      const page = s.page({ url: `http://big.example/p${p}.html` });
      for (let i = 0; i < 2; i++) s.pair(page, s.image(), `a kept photo number ${p * 2 + i}`);
    }
    // small.example: one page, 3 pairs: a 150x150 two-word alt (image-size first, word-count too),
    // a 900x300 banner (aspect-ratio), and one on an image that failed.
    const page = s.page({ url: 'http://small.example/x.html' });
    s.pair(page, s.image({ width: 150, height: 150 }), 'tiny icon');
    s.pair(page, s.image({ width: 900, height: 300 }), 'a wide banner image here');
    s.pair(page, s.image({ status: 'failed' }), 'a broken image link here');
    s.close();
  });

  test('before any filter run: totals, nothing kept, no rejections', () => {
    const stats = collectStats(makeContext(tmp.dir));
    expect(stats.pages).toEqual({ total: 4, fetched: 4 });
    expect(stats.images).toEqual({ urls: 9, urlsOk: 8, urlsFailed: 1, distinct: 8 });
    expect(stats.pairs).toEqual({ total: 9, raw: 8 });
    expect(stats.filterRun).toBeNull();
    expect(stats.kept).toBe(0);
    expect(stats.rejections).toEqual({});
  });

  test('after a run: kept, rejections by first and any failing filter, histograms, top hosts', async () => {
    const summary = await runFilter(FilterConfigSchema.parse({}), makeContext(tmp.dir));
    const stats = collectStats(makeContext(tmp.dir), { topHosts: 1 });
    expect(stats.filterRun).toMatchObject({ id: summary.runId, configHash: summary.configHash });
    expect(stats.kept).toBe(6);
    expect(stats.rejected).toBe(3);
    expect(stats.rejections).toEqual({
      'image-size': { first: 1, any: 1 },
      'word-count': { first: 0, any: 1 },
      'aspect-ratio': { first: 1, any: 1 },
      image_failed: { first: 1, any: 1 },
    });
    const bucket = (rows: { bucket: string; pairs: number; kept: number }[], name: string) => rows.find((r) => r.bucket === name);
    expect(bucket(stats.histograms.wordCount, '2')).toEqual({ bucket: '2', pairs: 1, kept: 0 });
    expect(bucket(stats.histograms.wordCount, '3–5')).toEqual({ bucket: '3–5', pairs: 7, kept: 6 });
    expect(bucket(stats.histograms.shorterSide, '101–200')).toMatchObject({ pairs: 1, kept: 0 });
    expect(bucket(stats.histograms.shorterSide, '201–300')).toMatchObject({ pairs: 1, kept: 0 }); // the 900x300 banner
    expect(bucket(stats.histograms.shorterSide, '301–500')).toMatchObject({ pairs: 6, kept: 6 });
    expect(bucket(stats.histograms.aspectRatio, '3–5')).toMatchObject({ pairs: 1, kept: 0 });
    expect(bucket(stats.histograms.aspectRatio, '1.25–1.5')).toMatchObject({ pairs: 6, kept: 6 });
    expect(stats.histograms.wordCount.reduce((sum, r) => sum + r.pairs, 0)).toBe(8);
    expect(stats.topHosts).toEqual([{ host: 'big.example', pages: 3, pairs: 6, kept: 6 }]);
  });

  test('the CLI prints tables, or the same object with --json', async () => {
    const text = await runCli(['stats', '--data-dir', tmp.dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/kept\s+6 \(66\.7%\)/);
    expect(text.stdout).toMatch(/image-size\s+1\s+1/);
    expect(text.stdout).toContain('top hosts');
    const json = await runCli(['stats', '--data-dir', tmp.dir, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(collectStats(makeContext(tmp.dir)))));
  });

  test('with --config changing the thresholds, the histogram buckets line up with the configured ones', async () => {
    const config = join(tmp.dir, 'thresholds.json');
    writeFileSync(config, JSON.stringify({ filter: { wordCount: { min: 5, max: 8 }, imageSize: { minSidePx: 400 }, aspectRatio: { maxRatio: 1.4 } } }));
    const r = await runCli(['stats', '--data-dir', tmp.dir, '--config', config, '--json']);
    expect(r.code).toBe(0);
    const { histograms } = JSON.parse(r.stdout) as ReturnType<typeof collectStats>;
    const labels = (rows: { bucket: string }[]): string[] => rows.map((row) => row.bucket);
    // Words: kept from 5 to 8, so ≤ 4 and 5 start buckets, 8 ends one.
    expect(labels(histograms.wordCount)).toEqual(['≤ 1', '2–4', '5', '6–8', '9–10', '11–50', '> 50']);
    expect(histograms.wordCount.find((b) => b.bucket === '2–4')).toMatchObject({ pairs: 1 }); // 'tiny icon'
    expect(histograms.wordCount.find((b) => b.bucket === '5')).toMatchObject({ pairs: 7 });
    // Shorter side: kept above 400 px; the 640x480 images fall in 401–500.
    expect(labels(histograms.shorterSide)).toEqual(['≤ 100', '101–300', '301–400', '401–500', '501–1000', '> 1000']);
    expect(histograms.shorterSide.find((b) => b.bucket === '401–500')).toMatchObject({ pairs: 6 });
    // Aspect ratio: kept below 1.4; 640x480 is 1.33.
    expect(labels(histograms.aspectRatio)).toEqual(['< 1.25', '1.25–1.4', '1.4–1.5', '1.5–2', '2–5', '≥ 5']);
    expect(histograms.aspectRatio.find((b) => b.bucket === '1.25–1.4')).toMatchObject({ pairs: 6 });
    // Without --config: ALIGN's thresholds.
    const plain = collectStats(makeContext(tmp.dir));
    expect(labels(plain.histograms.shorterSide)).toEqual(['≤ 100', '101–200', '201–300', '301–500', '501–1000', '> 1000']);
  });

  test('stats on a directory without a store fails with E_NO_DATA', async () => {
    const r = await runCli(['stats', '--data-dir', `${tmp.dir}/nothing-here`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_NO_DATA');
  });
});
