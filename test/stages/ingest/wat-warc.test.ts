/**
 * WAT and WARC files written with warcio (one gzip member per record, several records, a
 * truncated final member): what ingest extracts, from local files and from a URL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractPage } from '../../../src/html/extract.js';
import { makeTempDir } from '../../helpers/paths.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { ingest, pairTriples, query } from './helpers.js';
import { buildWarc, buildWat, type WatPageSpec } from './warc-fixtures.js';

const WAT_PAGES: WatPageSpec[] = [
  {
    url: 'http://a.example/dir/page.html',
    links: [
      { path: 'IMG@/src', url: 'img/cat.jpg', alt: 'a grey cat on a sofa' }, // relative, no base
      { path: 'IMG@/src', url: '/no-alt.jpg' }, // no alt: not a pair
      { path: 'IMG@/src', url: '/empty-alt.jpg', alt: '' },
      { path: 'A@/href', url: '/other.html', alt: 'a link is no image' },
      { path: 'IMG@/src', url: 'data:image/png;base64,AAAA', alt: 'inline data' }, // not http(s)
      { path: 'IMG@/src', url: 'ftp://files.example/x.jpg', alt: 'ftp image' },
      { path: 'IMG@/data-src', url: '/lazy.jpg', alt: 'not IMG@/src' },
    ],
  },
  {
    url: 'https://b.example/blog/post',
    base: '/static/', // relative base: resolved against the page
    links: [{ path: 'IMG@/src', url: 'dog.png', alt: 'a dog in the snow' }, { path: 'IMG@/src', url: 'https://cdn.example/x.webp#frag', alt: 'absolute with fragment' }],
  },
  {
    url: 'http://c.example/',
    metas: [{ name: 'robots', content: 'noai' }],
    links: [{ path: 'IMG@/src', url: '/opted.jpg', alt: 'an opted out image' }],
  },
  { url: 'http://d.example/last', links: [{ path: 'IMG@/src', url: '/last.jpg', alt: 'the last record' }] },
];

const EXPECTED_WAT = [
  'http://a.example/dir/page.html | http://a.example/dir/img/cat.jpg | a grey cat on a sofa',
  'https://b.example/blog/post | https://b.example/static/dog.png | a dog in the snow',
  'https://b.example/blog/post | https://cdn.example/x.webp | absolute with fragment',
  'http://c.example/ | http://c.example/opted.jpg | an opted out image',
  'http://d.example/last | http://d.example/last.jpg | the last record',
].sort();

describe('ingest WAT and WARC', () => {
  const tmp = makeTempDir();
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({}, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  test('WAT: IMG@/src links with an alt, resolved against Head.Base or the target URI, http(s) only', async () => {
    const file = join(tmp.dir, 'one.warc.wat.gz');
    writeFileSync(file, await buildWat(WAT_PAGES));
    const data = join(tmp.dir, 'wat');
    const { ingest: s } = await ingest(data, { ingest: { wat: [file], download: false } });
    expect(pairTriples(data)).toEqual(EXPECTED_WAT);
    expect(s.records).toBe(5); // warcinfo + 4 metadata records
    expect(s.filesWithErrors).toBe(0);
    // The page's robots meta is kept, and its image is not queued (as the crawl does).
    expect(query(data, `SELECT opt_out FROM pages WHERE url = 'http://c.example/'`)).toEqual([{ opt_out: 'noai' }]);
    expect(query(data, `SELECT status, error FROM images WHERE url = 'http://c.example/opted.jpg'`)).toEqual([{ status: 'failed', error: 'page_opt_out' }]);
    // Provenance: each pair knows its file and the byte offset of its record, which starts a gzip member.
    const sources = query<{ position: number; source: string }>(data, `SELECT s.position, f.source FROM ingest_pairs s JOIN ingest_files f ON f.id = s.file_id`);
    expect(sources).toHaveLength(5);
    expect(sources.every((r) => r.source === file && r.position > 0)).toBe(true);
  });

  test('WAT: a truncated final member keeps the records before it and records the error', async () => {
    const file = join(tmp.dir, 'cut.wat.gz');
    writeFileSync(file, await buildWat(WAT_PAGES, { truncateLast: true }));
    const data = join(tmp.dir, 'cut');
    const { ingest: s } = await ingest(data, { ingest: { wat: [file], download: false } });
    expect(pairTriples(data)).toEqual(EXPECTED_WAT.filter((t) => !t.includes('d.example')));
    expect(s.filesWithErrors).toBe(1);
    expect(query(data, 'SELECT status, error LIKE \'truncated%\' AS cut FROM ingest_files')).toEqual([{ status: 'done', cut: 1 }]);
  });

  test('WAT over http(s), streamed; an uncompressed WAT too', async () => {
    server.routes.set('/seg.wat.gz', { body: await buildWat(WAT_PAGES), type: 'application/gzip' });
    const plain = join(tmp.dir, 'plain.wat');
    writeFileSync(plain, await buildWat(WAT_PAGES, { gzip: false }));
    const data = join(tmp.dir, 'url');
    await ingest(data, { ingest: { wat: [`${server.origin}/seg.wat.gz`], download: false } });
    expect(pairTriples(data)).toEqual(EXPECTED_WAT);
    const data2 = join(tmp.dir, 'plain');
    await ingest(data2, { ingest: { wat: [plain], download: false } });
    expect(pairTriples(data2)).toEqual(EXPECTED_WAT);
    expect(server.log[0]!.headers['user-agent']).toMatch(/^align-data\//);
  });

  test('WARC: HTML responses give exactly what the crawler\'s extractor gives; other records nothing', async () => {
    const html = [
      '<html><head><base href="/assets/"><meta name="robots" content="index"></head><body>',
      '<img src="a.jpg" alt="relative to the base">',
      '<img src="small.jpg" srcset="small.jpg 100w, big.jpg 800w" alt="the largest srcset candidate">',
      '<img src="data:image/gif;base64,R0lGOD" data-src="lazy.jpg" alt="lazy loaded">',
      '<img src="nope.jpg">',
      '<img src="mailto:x@y" alt="not http">',
      '<a href="/page2">a link</a></body></html>',
    ].join('\n');
    const pages = [
      { url: 'http://w.example/one', html },
      { url: 'http://w.example/missing', html: '<img src="/x.jpg" alt="from a 404">', status: 404 },
      { url: 'http://w.example/data.json', html: '{"alt": "json"}', contentType: 'application/json' },
      { url: 'http://w.example/noai', html: '<img src="/n.jpg" alt="opted out by header">', headers: { 'X-Robots-Tag': 'noai' } },
    ];
    const file = join(tmp.dir, 'crawl.warc.gz');
    writeFileSync(file, await buildWarc(pages));
    const data = join(tmp.dir, 'warc');
    await ingest(data, { ingest: { warc: [file], download: false } });
    const fromExtractor = [...extractPage(html, 'http://w.example/one').pairs.map((p) => `http://w.example/one | ${p.imageUrl} | ${p.altRaw}`), 'http://w.example/noai | http://w.example/n.jpg | opted out by header'].sort();
    // Whatever the extractor makes of lazy images (its own tests pin that), the WARC gives the same.
    expect(fromExtractor).toEqual(expect.arrayContaining(['http://w.example/one | http://w.example/assets/a.jpg | relative to the base', 'http://w.example/one | http://w.example/assets/big.jpg | the largest srcset candidate']));
    expect(pairTriples(data)).toEqual(fromExtractor);
    expect(query(data, `SELECT opt_out FROM pages WHERE url = 'http://w.example/noai'`)).toEqual([{ opt_out: 'noai' }]);

    const cut = join(tmp.dir, 'cut.warc.gz');
    writeFileSync(cut, await buildWarc(pages.slice(0, 2), { truncateLast: true }));
    const data2 = join(tmp.dir, 'warc-cut');
    const { ingest: s } = await ingest(data2, { ingest: { warc: [cut], download: false } });
    expect(pairTriples(data2)).toEqual(fromExtractor.filter((t) => t.includes('/one ')));
    expect(Object.values(s.errors)[0]).toMatch(/^truncated/);
  });

  test('the same file again adds nothing', async () => {
    const file = join(tmp.dir, 'again.wat.gz');
    writeFileSync(file, await buildWat(WAT_PAGES));
    const data = join(tmp.dir, 'again');
    await ingest(data, { ingest: { wat: [file], download: false } });
    const { ingest: second } = await ingest(data, { ingest: { wat: [file], download: false } });
    expect(second.filesSkipped).toBe(1);
    expect(second.pairsNew).toBe(0);
    expect(query(data, 'SELECT count(*) AS n FROM pairs')).toEqual([{ n: 5 }]);
  });
});
