/**
 * Sitemaps: `Sitemap:` lines in robots.txt, sitemap index files, gzipped sitemaps, and seeds
 * that are sitemaps (by name or by content).
 */
import { gzipSync } from 'node:zlib';
import { parseSitemap } from '../../../src/stages/crawl/sitemap.js';
import { makeTempDir } from '../../helpers/paths.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { crawl, hits, pageStates } from './crawl-helpers.js';

const urlset = (urls: string[]): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">` +
  urls.map((u) => `<url><loc>${u}</loc><image:image><image:loc>${u}.jpg</image:loc></image:image></url>`).join('') +
  `</urlset>`;

const index = (urls: string[]): string =>
  `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` +
  urls.map((u) => `<sitemap><loc>${u}</loc></sitemap>`).join('') +
  `</sitemapindex>`;

describe('sitemaps', () => {
  const tmp = makeTempDir();
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    tmp.cleanup();
  });

  test('parsing: <loc> of <url> and <sitemap> only, entities decoded, a plain-text sitemap, the cap', () => {
    const xml = Buffer.from(urlset(['http://a/1?x=1&amp;y=2', 'http://a/2']));
    expect(parseSitemap(xml, 1e6, 100)).toEqual({ pages: ['http://a/1?x=1&y=2', 'http://a/2'], sitemaps: [] });
    expect(parseSitemap(Buffer.from(index(['http://a/s1.xml'])), 1e6, 100)).toEqual({ pages: [], sitemaps: ['http://a/s1.xml'] });
    expect(parseSitemap(Buffer.from('http://a/1\nnot a url\nhttps://a/2\n'), 1e6, 100).pages).toEqual(['http://a/1', 'https://a/2']);
    expect(parseSitemap(gzipSync(urlset(['http://a/1', 'http://a/2', 'http://a/3'])), 1e6, 2).pages).toEqual(['http://a/1', 'http://a/2']);
  });

  test('robots.txt Sitemap: → index → plain and gzipped sitemaps → pages nothing links to', async () => {
    const s = await startServer({}, '127.0.0.50');
    servers.push(s);
    const o = s.origin;
    s.routes.set('/robots.txt', { body: `User-agent: *\nDisallow: /hidden-blocked\nSitemap: ${o}/sitemap-index.xml\n`, type: 'text/plain' });
    s.routes.set('/sitemap-index.xml', { body: index([`${o}/sitemap-a.xml`, `${o}/sitemap-b.xml.gz`]), type: 'application/xml' });
    s.routes.set('/sitemap-a.xml', { body: urlset([`${o}/from-a`, `${o}/hidden-blocked`]), type: 'application/xml' });
    s.routes.set('/sitemap-b.xml.gz', { body: gzipSync(urlset([`${o}/from-b`, 'http://127.0.0.99:9/out-of-scope'])), type: 'application/gzip' });
    s.routes.set('/', 'home');
    s.routes.set('/from-a', 'a');
    s.routes.set('/from-b', 'b');
    const dir = `${tmp.dir}/robots-sitemap`;
    const summary = await crawl(dir, { seeds: [`${o}/`] });
    expect(pageStates(dir)).toEqual({
      '/': 'done',
      '/sitemap-index.xml': 'done',
      '/sitemap-a.xml': 'done',
      '/sitemap-b.xml.gz': 'done',
      '/from-a': 'done',
      '/from-b': 'done',
      '/hidden-blocked': 'skipped robots_disallowed',
    });
    expect(summary.sitemapsFetched).toBe(3);
    expect(summary.pagesFetched).toBe(3);
    expect(hits(s.log, '/hidden-blocked')).toBe(0);
  });

  test('a seed that is a sitemap, by name or by its XML; an HTML page named like one is a page', async () => {
    const s = await startServer({}, '127.0.0.51');
    servers.push(s);
    const o = s.origin;
    s.routes.set('/list.xml', { body: urlset([`${o}/one`]), type: 'text/xml' });
    s.routes.set('/feed', { body: urlset([`${o}/two`]), type: 'application/xml' });
    s.routes.set('/sitemap', '<a href="/three">an HTML site map</a>');
    s.routes.set('/one', 'one');
    s.routes.set('/two', 'two');
    s.routes.set('/three', 'three');
    const dir = `${tmp.dir}/seed-sitemap`;
    const summary = await crawl(dir, { seeds: [`${o}/list.xml`, `${o}/feed`, `${o}/sitemap`] });
    expect(pageStates(dir)).toEqual({ '/list.xml': 'done', '/feed': 'done', '/sitemap': 'done', '/one': 'done', '/two': 'done', '/three': 'done' });
    expect(summary).toMatchObject({ sitemapsFetched: 2, pagesFetched: 4 });
  });
});
