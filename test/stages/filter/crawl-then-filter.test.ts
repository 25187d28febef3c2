/**
 * End to end: the real crawler over a local site (real http servers, real images from the corpus
 * and made with sharp), then the filter; the kept set must be exactly the one planned here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config/load.js';
import { openStore } from '../../../src/store/db.js';
import { runCrawl } from '../../../src/stages/crawl/index.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { makeContext } from '../../../src/util/context.js';
import { corpusDir, makeTempDir } from '../../helpers/paths.js';
import { startServer, type Route, type TestServer } from '../../helpers/server.js';

const photo = (name: string): Buffer => readFileSync(join(corpusDir(), 'images', name));
const solid = (width: number, height: number, shade: number): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: { r: shade, g: 255 - shade, b: (shade * 7) % 256 } } }).png().toBuffer();

interface Img {
  path: string;
  alt: string;
}

const page = (title: string, imgs: Img[], origin: string, head = ''): string =>
  `<!doctype html><html><head><title>${title}</title>${head}</head><body>` +
  imgs.map((i) => `<img src="${origin}${i.path}" alt="${i.alt}">`).join('\n') +
  '</body></html>';

describe('crawl, then filter', () => {
  const tmp = makeTempDir('align-e2e-filter-');
  let site: TestServer;
  let images: TestServer;
  const planned = new Set<string>(); // "image path | alt" of every pair that must be kept

  beforeAll(async () => {
    const imageRoutes: Record<string, Route> = {
      '/garden.jpg': { body: photo('Garden.jpg'), type: 'image/jpeg' },
      '/garden-mirror.jpg': { body: photo('Garden.jpg'), type: 'image/jpeg' }, // the same bytes at a second URL
      '/ladybird.jpg': { body: photo('LadyBird.jpg'), type: 'image/jpeg' },
      '/wings.jpg': { body: photo('TwoWings.jpg'), type: 'image/jpeg' },
      '/landscape.jpg': { body: photo('Landscape_1.jpg'), type: 'image/jpeg', headers: { 'x-robots-tag': 'noimageai' } },
      '/concert.jpg': { body: photo('concert.jpg'), type: 'image/jpeg' },
      '/icon.png': { body: await solid(150, 150, 10), type: 'image/png' },
      '/banner.png': { body: await solid(960, 240, 20), type: 'image/png' },
    };
    for (let i = 0; i < 11; i++) imageRoutes[`/tile-${i}.png`] = { body: await solid(300, 300, 30 + i * 9), type: 'image/png' };
    images = await startServer(imageRoutes, '127.0.0.3');
    const o = images.origin;
    const a: Img[] = [
      { path: '/garden.jpg', alt: 'a garden in full bloom' }, // kept
      { path: '/ladybird.jpg', alt: 'A ladybird on a  green leaf' }, // kept
      { path: '/icon.png', alt: 'a small square icon here' }, // image-size
      { path: '/banner.png', alt: 'a wide banner across the top' }, // aspect-ratio (4:1)
      { path: '/concert.jpg', alt: 'logo' }, // word-count
      { path: '/landscape.jpg', alt: 'hills under a wide sky' }, // the image response says noimageai
      { path: '/missing.jpg', alt: 'a picture that is not there' }, // 404
    ];
    const b: Img[] = [
      { path: '/garden.jpg', alt: 'a garden in full bloom' }, // the same pair again: a duplicate
      { path: '/garden-mirror.jpg', alt: 'the same garden from another link' }, // kept: same image, new alt
      ...Array.from({ length: 11 }, (_, i) => ({ path: `/tile-${i}.png`, alt: i % 2 ? 'Click here to see more' : 'click here to see  more' })),
    ];
    const optedOut: Img[] = [{ path: '/wings.jpg', alt: 'two wings in flight today' }];
    for (const i of [a[0]!, a[1]!, b[1]!]) planned.add(`${i.path} | ${i.alt.replace(/\s+/g, ' ')}`);
    site = await startServer({}, '127.0.0.2');
    site.routes.set('/', page('home', [], o).replace('</body>', '<a href="/a.html">a</a><a href="/b.html">b</a><a href="/opted-out.html">c</a></body>'));
    site.routes.set('/a.html', page('a', a, o));
    site.routes.set('/b.html', page('b', b, o));
    site.routes.set('/opted-out.html', page('c', optedOut, o, '<meta name="robots" content="noai">'));
  });

  afterAll(async () => {
    await site?.close();
    await images?.close();
    tmp.cleanup();
  });

  test('the kept set is exactly the planned one, and every other pair says why', async () => {
    const dataDir = join(tmp.dir, 'data');
    const config = loadConfig(undefined, { crawl: { seeds: [`${site.origin}/`], retries: 0, requestDeadlineMs: 5000 } });
    const ctx = makeContext(dataDir);
    const crawled = await runCrawl(config.crawl, ctx);
    expect(crawled).toBeDefined();
    const summary = await runFilter(config.filter, ctx);

    const db = openStore(dataDir);
    const rows = db
      .prepare(`SELECT i.url, p.alt_norm AS alt, d.kept, d.reason FROM pairs p JOIN images i ON i.id = p.image_id
                JOIN decisions d ON d.pair_id = p.id`)
      .all() as { url: string; alt: string; kept: number; reason: string | null }[];
    db.close();
    const key = (r: { url: string; alt: string }): string => `${new URL(r.url).pathname} | ${r.alt}`;
    expect(new Set(rows.filter((r) => r.kept === 1).map(key))).toEqual(planned);
    expect(summary.kept).toBe(planned.size);

    const reasonOf = (path: string, alt?: string): (string | null)[] =>
      rows.filter((r) => new URL(r.url).pathname === path && (alt === undefined || r.alt === alt)).map((r) => r.reason);
    expect(reasonOf('/icon.png')).toEqual(['image-size']);
    expect(reasonOf('/banner.png')).toEqual(['aspect-ratio']);
    expect(reasonOf('/concert.jpg')).toEqual(['word-count']);
    expect(reasonOf('/landscape.jpg')).toEqual(['opt-out']);
    expect(reasonOf('/wings.jpg')).toEqual(['opt-out']);
    expect(reasonOf('/missing.jpg')).toEqual(['image_failed']);
    expect(reasonOf('/garden.jpg', 'a garden in full bloom').sort()).toEqual(['duplicate', null]);
    const tiles = rows.filter((r) => new URL(r.url).pathname.startsWith('/tile-'));
    expect(tiles).toHaveLength(11);
    expect(tiles.every((r) => r.reason === 'images-per-alt')).toBe(true);
    expect(rows).toHaveLength(21);
  });
});
