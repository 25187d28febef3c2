/**
 * Downloads through the crawler's machinery: robots.txt of each image host first and obeyed,
 * Crawl-delay on the server's request log; --prefilter decisions equal to what `filter` decides
 * for the same rules.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config/load.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { PREFILTER_RULES } from '../../../src/stages/ingest/prefilter.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { serverPool, type TestServer } from '../../helpers/server.js';
import { ingest, query } from './helpers.js';
import { buildWat } from './warc-fixtures.js';

async function jpeg(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 240, channels: 3, background: { r: seed * 40, g: 100, b: 200 - seed * 10 } } }).jpeg().toBuffer();
}

describe('ingest downloads', () => {
  const tmp = makeTempDir();
  const pool = serverPool();
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const images: Record<string, { body: Buffer; type: string }> = {};
    for (let i = 0; i < 4; i++) images[`/img/${i}.jpg`] = { body: await jpeg(i), type: 'image/jpeg' };
    a = await pool.serve({ '/robots.txt': { body: 'User-agent: *\nDisallow: /img/3.jpg\nCrawl-delay: 0.3\n', type: 'text/plain' }, ...images }, '127.0.0.2');
    b = await pool.serve({ '/robots.txt': { body: 'User-agent: align-data\nDisallow: /\n', type: 'text/plain' }, ...images }, '127.0.0.3');
  });
  afterAll(async () => {
    await pool.closeAll();
    tmp.cleanup();
  });

  test('robots.txt first on every image host, disallowed images never requested, Crawl-delay between requests', async () => {
    const rows = [0, 1, 2, 3].map((i) => `${a.origin}/img/${i}.jpg,photo number ${i} of the set`);
    rows.push(`${b.origin}/img/0.jpg,a photo on a closed host`);
    const file = join(tmp.dir, 'urls.csv');
    writeFileSync(file, ['url,caption', ...rows].join('\n'));
    const data = join(tmp.dir, 'dl');
    const { download } = await ingest(data, { ingest: { inputs: [file] }, crawl: { perHostConcurrency: 4 } });
    expect(download?.imagesFetched).toBe(3);
    expect(a.log[0]!.path).toBe('/robots.txt');
    expect(a.log.map((r) => r.path).sort()).toEqual(['/img/0.jpg', '/img/1.jpg', '/img/2.jpg', '/robots.txt']);
    expect(b.log.map((r) => r.path)).toEqual(['/robots.txt']);
    // Crawl-delay 0.3 s: each request starts at least that long after the one before (robots.txt included).
    const gaps = a.log.slice(1).map((r, i) => r.at - a.log[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(290);
    expect(a.log.every((r) => String(r.headers['user-agent']).startsWith('align-data/'))).toBe(true);
    const states = query<{ url: string; status: string; error: string | null }>(data, 'SELECT url, status, error FROM images ORDER BY url');
    expect(states.filter((s) => s.status === 'ok')).toHaveLength(3);
    expect(states.filter((s) => s.error === 'robots_disallowed').map((s) => s.url).sort()).toEqual([`${a.origin}/img/3.jpg`, `${b.origin}/img/0.jpg`].sort());
    // Downloaded pairs are the raw dataset of filter, like crawled ones.
    const summary = await runFilter(loadConfig(undefined, {}).filter, makeContext(data));
    expect(summary.rawPairs).toBe(3);
  });

  test('--prefilter decides word-count, opt-out and blocklist exactly as filter does', async () => {
    a.routes.set('/img/blocked.jpg', { body: await jpeg(9), type: 'image/jpeg' });
    const captions = ['ok three words', 'two words', 'a caption that has far too many words to be kept by the word count rule of align at all', 'blocked url but fine words', 'the page opted out here'];
    const rows = captions.slice(0, 4).map((c, i) => `${a.origin}/img/${i === 3 ? 'blocked' : i}.jpg,${c}`);
    const list = join(tmp.dir, 'pre.csv');
    writeFileSync(list, ['url,caption', ...rows].join('\n'));
    const wat = join(tmp.dir, 'pre.wat.gz');
    writeFileSync(wat, await buildWat([{ url: `${a.origin}/optout`, metas: [{ name: 'robots', content: 'noimageai' }], links: [{ path: 'IMG@/src', url: '/img/2.jpg', alt: captions[4]! }] }, { url: `${a.origin}/fine`, links: [{ path: 'IMG@/src', url: '/img/0.jpg', alt: 'x' }] }]));
    const filterConfig = { blocklist: { urlPatterns: ['*/img/blocked.jpg'] } };
    const pre = join(tmp.dir, 'pre');
    const { ingest: s } = await ingest(pre, { ingest: { inputs: [list], wat: [wat], prefilter: true, download: false }, filter: filterConfig });
    expect(Object.keys(s.prefiltered).sort()).toEqual(['blocklist', 'opt-out', 'word-count']);
    // The same inputs without the prefilter, every image downloaded, judged by filter.
    const full = join(tmp.dir, 'full');
    await ingest(full, { ingest: { inputs: [list], wat: [wat] }, filter: filterConfig, crawl: { minDelayMs: 0, maxCrawlDelaySeconds: 0 } });
    await runFilter(loadConfig(undefined, { filter: filterConfig }).filter, makeContext(full));
    const key = "i.url || ' ' || p.alt_raw";
    const prefiltered = new Map(query<{ k: string; prefilter: string | null }>(pre, `SELECT ${key} AS k, s.prefilter FROM pairs p JOIN images i ON i.id = p.image_id JOIN ingest_pairs s ON s.pair_id = p.id`).map((r) => [r.k, r.prefilter]));
    const judged = query<{ k: string; reasons: string | null; reason: string | null }>(full, `SELECT ${key} AS k, d.reasons, d.reason FROM pairs p JOIN images i ON i.id = p.image_id JOIN decisions d ON d.pair_id = p.id`);
    expect(judged).toHaveLength(prefiltered.size);
    for (const row of judged) {
      const failed = (row.reasons ?? row.reason ?? '').split(',');
      const first = PREFILTER_RULES.find((r) => failed.includes(r)) ?? null;
      expect([row.k, prefiltered.get(row.k)]).toEqual([row.k, first]);
    }
    // A prefiltered pair's image is not downloaded for it.
    expect(query(pre, `SELECT count(*) AS n FROM images WHERE error = 'prefiltered'`)).toEqual([{ n: 2 }]);
  });
});
