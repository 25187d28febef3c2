/**
 * Pages end to end over HTTP: non-UTF-8 pages (charset from the header, a BOM or a meta tag),
 * srcset / lazy / picture / base href resolved to the image URLs that get fetched, and the
 * real corpus pages stored pair for pair.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { extractPage } from '../../../src/html/extract.js';
import { normalizeAlt } from '../../../src/util/text.js';
import { ROOT, corpusDir, corpusManifest, makeTempDir } from '../../helpers/paths.js';
import { serverPool, type Route, type TestServer } from '../../helpers/server.js';
import { crawl, hits, query } from './crawl-helpers.js';

const fixture = (name: string): Buffer => readFileSync(join(ROOT, 'test', 'fixtures', 'pages', name));

// The texts test/fixtures/pages/make-fixtures.py encodes (with Python's codecs, not ours).
const RU = 'Кошка спит на подоконнике';
const JA = '富士山の夜明けの写真';
const KO = '서울의 밤 풍경';

describe('pages end to end', () => {
  const tmp = makeTempDir();
  const { serve, closeAll } = serverPool();
  afterAll(async () => {
    await closeAll();
    tmp.cleanup();
  });

  test('non-UTF-8 pages decode right: header charset over meta, http-equiv, BOM, meta after a comment', async () => {
    const html = (body: Buffer, type: string): Route => ({ body, type });
    const s = await serve(
      {
        '/': ['/cp1251', '/sjis', '/utf16', '/koi8', '/euckr'].map((p) => `<a href="${p}">${p}</a>`).join(''),
        // The bytes are windows-1251 while the meta claims utf-8: the header is right and wins.
        '/cp1251': html(fixture('windows-1251-bytes-meta-claims-utf-8.html'), 'text/html; charset=windows-1251'),
        '/sjis': html(fixture('shift-jis-http-equiv.html'), 'text/html'),
        '/utf16': html(fixture('utf-16le-bom.html'), 'text/html'),
        '/koi8': html(fixture('koi8-r-meta-after-comment.html'), 'text/html'),
        '/euckr': html(fixture('euc-kr-no-declaration.html'), 'text/html; charset=euc-kr'),
      },
      '127.0.0.40',
    );
    const dir = join(tmp.dir, 'charsets');
    await crawl(dir, { seeds: [`${s.origin}/`], downloadImages: false });
    const rows = query<{ path: string; charset: string; alt: string }>(
      dir,
      `SELECT substr(g.url, length(?) + 1) AS path, g.charset, p.alt_raw AS alt FROM pairs p JOIN pages g ON g.id = p.page_id ORDER BY path`,
      s.origin,
    );
    expect(rows).toEqual([
      { path: '/cp1251', charset: 'windows-1251', alt: RU },
      { path: '/euckr', charset: 'euc-kr', alt: KO },
      { path: '/koi8', charset: 'koi8-r', alt: RU },
      { path: '/sjis', charset: 'shift_jis', alt: JA },
      { path: '/utf16', charset: 'utf-16le', alt: RU },
    ]);
  });

  test('srcset, picture, lazy attributes and <base href> lead to the right image URLs, fetched once each', async () => {
    const png = (w: number): Promise<Buffer> =>
      sharp({ create: { width: w, height: 10, channels: 3, background: { r: w % 256, g: 0, b: 0 } } }).png().toBuffer();
    const page = `<html><head><base href="/assets/"></head><body>
      <img src="small.png" srcset="small.png 100w, large.png 400w, medium.png 200w" alt="srcset by width">
      <img src="x1.png" srcset="x1.png 1x, x3.png 3x, x2.png 2x" alt="srcset by density">
      <picture><source srcset="pic-big.png 800w, pic-small.png 300w"><img src="pic-fallback.png" alt="a picture element"></picture>
      <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="deferred-photo.png" alt="lazy loaded">
      <img src="/root.png" alt="root relative ignores the base path">
      <img src="nothing.png" alt="">
    </body></html>`;
    const routes: Record<string, Route> = { '/': page };
    for (const [i, p] of ['large', 'x3', 'pic-big', 'deferred-photo'].entries()) routes[`/assets/${p}.png`] = { body: await png(20 + i), type: 'image/png' };
    routes['/root.png'] = { body: await png(30), type: 'image/png' };
    const s = await serve(routes, '127.0.0.41');
    const dir = join(tmp.dir, 'srcset');
    const summary = await crawl(dir, { seeds: [`${s.origin}/`] });
    const pairs = query<{ alt: string; url: string; status: string }>(
      dir,
      `SELECT p.alt_raw AS alt, substr(i.url, length(?) + 1) AS url, i.status FROM pairs p JOIN images i ON i.id = p.image_id ORDER BY p.id`,
      s.origin,
    );
    expect(pairs).toEqual([
      { alt: 'srcset by width', url: '/assets/large.png', status: 'ok' },
      { alt: 'srcset by density', url: '/assets/x3.png', status: 'ok' },
      { alt: 'a picture element', url: '/assets/pic-big.png', status: 'ok' },
      { alt: 'lazy loaded', url: '/assets/deferred-photo.png', status: 'ok' },
      { alt: 'root relative ignores the base path', url: '/root.png', status: 'ok' },
    ]);
    expect(summary.imagesFailed).toBe(0);
    for (const path of ['/assets/small.png', '/assets/x1.png', '/assets/pic-fallback.png', '/assets/nothing.png']) expect(hits(s.log, path)).toBe(0);
  });

  test('the real corpus pages: every extracted pair is stored once per (page, image URL, alt)', async () => {
    const pages = corpusManifest().filter((f) => f.kind === 'page');
    const routes: Record<string, Route> = {};
    for (const f of pages) routes[`/${f.path}`] = readFileSync(join(corpusDir(), f.path));
    routes['/'] = pages.map((f) => `<a href="/${f.path}">${f.path}</a>`).join('\n');
    const s = await serve(routes, '127.0.0.42');
    const dir = join(tmp.dir, 'corpus');
    // Their images live on the original hosts, which this machine cannot reach: pairs only.
    await crawl(dir, { seeds: [`${s.origin}/`], downloadImages: false, maxDepth: 1, perHostConcurrency: 4 });
    const stored = new Map(
      query<{ url: string; n: number }>(dir, `SELECT g.url, count(p.id) AS n FROM pages g LEFT JOIN pairs p ON p.page_id = g.id GROUP BY g.id`).map((r) => [r.url, r.n]),
    );
    let total = 0;
    for (const f of pages) {
      const url = `${s.origin}/${f.path}`;
      const extracted = extractPage(readFileSync(join(corpusDir(), f.path), 'utf8'), url).pairs;
      const distinct = new Set(extracted.filter((p) => normalizeAlt(p.altRaw) !== '').map((p) => `${p.imageUrl}\n${normalizeAlt(p.altRaw)}`));
      expect({ page: f.path, pairs: stored.get(url) }).toEqual({ page: f.path, pairs: distinct.size });
      total += distinct.size;
    }
    expect(total).toBeGreaterThan(1000);
  });
});
