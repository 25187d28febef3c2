/**
 * Lazy-loaded images crawled from a real local server: an image named like a placeholder but
 * given by a lazy attribute is fetched and paired; an `<img>` with an alt that yields no pair is
 * counted by reason in the crawl summary, stored, and shown by `stats` (text and --json) in a
 * later process, without double counting when the page is fetched again.
 */
import sharp from 'sharp';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { crawl, query } from './crawl-helpers.js';

const PAGE = `<!doctype html><html><body>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/lazy.jpg" alt="an old stone bridge over a quiet river">
<img src="data:," data-lazy-src="/img/pixel.jpg" alt="a red fox asleep in the snow">
<img src="/img/spacer.gif" data-src="/img/clear.png" alt="a lighthouse on a cliff at dusk">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="the site logo">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="a preview">
<img alt="a script fills this one in">
<img src="ftp://files.test/boat.jpg" alt="a boat on a lake">
</body></html>`;

const EXPECTED_LOST = { data_uri_only: 2, no_usable_url: 1, unsupported_scheme: 1 };

async function photo(format: 'jpeg' | 'png', r: number): Promise<Buffer> {
  const image = sharp({ create: { width: 320, height: 240, channels: 3, background: { r, g: 120, b: 90 } } });
  return format === 'jpeg' ? image.jpeg().toBuffer() : image.png().toBuffer();
}

describe('lazy images and imgs without a pair', () => {
  const tmp = makeTempDir();
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({
      '/': PAGE,
      '/img/lazy.jpg': { body: await photo('jpeg', 40), type: 'image/jpeg' },
      '/img/pixel.jpg': { body: await photo('jpeg', 200), type: 'image/jpeg' },
      '/img/clear.png': { body: await photo('png', 90), type: 'image/png' },
    });
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  test('lazy.jpg, pixel.jpg and clear.png are fetched and paired; the stand-in spacer is not', async () => {
    const summary = await crawl(tmp.dir, { seeds: [`${server.origin}/`] });
    expect(summary.pairsFound).toBe(3);
    const rows = query<{ path: string; alt: string; status: string; width: number }>(
      tmp.dir,
      `SELECT substr(i.url, length(?) + 1) AS path, p.alt_norm AS alt, i.status, b.width FROM pairs p
       JOIN images i ON i.id = p.image_id JOIN blobs b ON b.sha256 = i.sha256 ORDER BY path`,
      server.origin,
    );
    expect(rows).toEqual([
      { path: '/img/clear.png', alt: 'a lighthouse on a cliff at dusk', status: 'ok', width: 320 },
      { path: '/img/lazy.jpg', alt: 'an old stone bridge over a quiet river', status: 'ok', width: 320 },
      { path: '/img/pixel.jpg', alt: 'a red fox asleep in the snow', status: 'ok', width: 320 },
    ]);
    expect(server.log.some((r) => r.path === '/img/spacer.gif')).toBe(false);
    expect(summary.imgsNotPaired).toEqual(EXPECTED_LOST);
  });

  test('stats shows the counts per reason, in text and --json, from the store', async () => {
    const json = await runCli(['stats', '--json', '--data-dir', tmp.dir]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { imgsNotPaired: unknown }).imgsNotPaired).toEqual(EXPECTED_LOST);
    const text = await runCli(['stats', '--data-dir', tmp.dir]);
    expect(text.stdout).toMatch(/img with alt, no pair\s+4 \(data_uri_only 2, no_usable_url 1, unsupported_scheme 1\)/);
  });

  test('a refetched page replaces its counts: they survive runs and are not doubled', async () => {
    const again = await crawl(tmp.dir, { seeds: [`${server.origin}/`], recrawlAfterHours: 0 });
    expect(again.pagesFetched).toBe(1);
    expect(again.imgsNotPaired).toEqual(EXPECTED_LOST);
    const json = await runCli(['stats', '--json', '--data-dir', tmp.dir]);
    expect((JSON.parse(json.stdout) as { imgsNotPaired: unknown }).imgsNotPaired).toEqual(EXPECTED_LOST);
  });
});
