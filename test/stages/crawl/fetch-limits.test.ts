/**
 * What a hostile or broken server cannot do to the crawler: hold a slot (slow headers, a body
 * dripping a byte at a time), loop it through redirects, fill memory (gzip/brotli bombs, a huge
 * page), or pass off the wrong content. Each case is recorded with its reason; the run goes on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { makeTempDir } from '../../helpers/paths.js';
import { serverPool, type TestServer } from '../../helpers/server.js';
import { crawl, hits, pageStates, query } from './crawl-helpers.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const redirect = (to: string): Handler => (_req, res) => res.writeHead(302, { location: to }).end();

describe('fetch limits', () => {
  const { serve, closeAll } = serverPool();
  const tmp = makeTempDir();
  const timers: NodeJS.Timeout[] = [];
  afterAll(async () => {
    timers.forEach(clearInterval);
    await closeAll();
    tmp.cleanup();
  });

  test('a server that never answers and one that drips a byte at a time fail as timeouts; the host goes on', async () => {
    const s = await serve(
      {
        '/': '<a href="/silent">s</a><a href="/drip">d</a><a href="/fine">f</a>',
        '/silent': () => undefined, // headers never come
        '/drip': (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/html' });
          const t = setInterval(() => res.write('x'), 100);
          timers.push(t);
          res.on('close', () => clearInterval(t));
        },
        '/fine': 'fine',
      },
      '127.0.0.20',
    );
    const dir = `${tmp.dir}/slow`;
    const started = Date.now();
    const summary = await crawl(dir, { seeds: [`${s.origin}/`], headersTimeoutMs: 400, requestDeadlineMs: 800, perHostConcurrency: 1 });
    expect(pageStates(dir)).toEqual({ '/': 'done', '/silent': 'failed timeout', '/drip': 'failed timeout', '/fine': 'done' });
    expect(summary.pageFailures).toEqual({ timeout: 2 });
    // Each slow request was given at least its limit before being dropped.
    expect(Date.now() - started).toBeGreaterThanOrEqual(400 + 800);
  });

  test('a transient 500 is retried with backoff, then the page is stored', async () => {
    let calls = 0;
    const s = await serve(
      {
        '/': (_req, res) => {
          calls++;
          if (calls < 3) res.writeHead(500, { 'content-type': 'text/plain' }).end('oops');
          else res.writeHead(200, { 'content-type': 'text/html' }).end('ok now');
        },
      },
      '127.0.0.21',
    );
    const dir = `${tmp.dir}/retry`;
    await crawl(dir, { seeds: [`${s.origin}/`], retries: 2, retryBaseDelayMs: 100 });
    const page = s.log.filter((r) => r.path === '/');
    expect(page).toHaveLength(3);
    expect(page[2]!.at - page[1]!.at).toBeGreaterThanOrEqual(190); // second backoff doubles the first
    expect(query(dir, 'SELECT status, attempts FROM pages')).toEqual([{ status: 'done', attempts: 3 }]);
  });

  test('redirects: followed up to the limit, loops caught, every hop checked against robots.txt', async () => {
    const other = await serve(
      { '/robots.txt': { body: 'User-agent: *\nDisallow: /no\n', type: 'text/plain' }, '/landing': 'landed', '/no': 'never' },
      '127.0.0.23',
    );
    const s = await serve(
      {
        '/robots.txt': { body: 'User-agent: *\nDisallow: /blocked\n', type: 'text/plain' },
        '/': ['/loop-a', '/chain0', '/long0', '/to-blocked', '/to-other', '/to-other-blocked'].map((p) => `<a href="${p}">x</a>`).join(''),
        '/loop-a': redirect('/loop-b'),
        '/loop-b': redirect('/loop-a'),
        '/chain0': redirect('/chain1'),
        '/chain1': redirect('/chain2'),
        '/chain2': 'end of chain',
        ...Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`/long${i}`, redirect(`/long${i + 1}`)])),
        '/long7': 'too far',
        '/to-blocked': redirect('/blocked'),
        '/blocked': 'never',
        '/to-other': redirect(`${other.origin}/landing`),
        '/to-other-blocked': redirect(`${other.origin}/no`),
      },
      '127.0.0.22',
    );
    const dir = `${tmp.dir}/redirects`;
    await crawl(dir, { seeds: [`${s.origin}/`], maxRedirects: 5 });
    expect(pageStates(dir)).toMatchObject({
      '/loop-a': 'failed redirect_loop',
      '/chain0': 'done',
      '/chain2': 'skipped redirect_target',
      '/long0': 'failed too_many_redirects',
      '/to-blocked': 'skipped robots_disallowed',
      '/to-other': 'done',
      '/to-other-blocked': 'skipped robots_disallowed',
    });
    expect(query(dir, `SELECT final_url FROM pages WHERE url = ?`, `${s.origin}/chain0`)).toEqual([{ final_url: `${s.origin}/chain2` }]);
    expect(hits(s.log, '/blocked') + hits(other.log, '/no') + hits(s.log, '/long6')).toBe(0);
    expect(hits(s.log, '/loop-a')).toBe(1);
    // The other host's robots.txt came before the hop to it.
    expect(other.log[0]?.path).toBe('/robots.txt');
    // The page a redirect landed on is not fetched again (it is on another host, out of scope anyway).
    expect(hits(s.log, '/chain2')).toBe(1);
  });

  test('gzip and brotli bombs stop at the decoded-size cap', async () => {
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const gzipBomb = gzipSync(zeros, { level: 9 });
    const brBomb = brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
    const s = await serve(
      {
        '/': '<a href="/gz">g</a><a href="/br">b</a><a href="/small-gz">s</a><img src="/bomb.png" alt="an image bomb">',
        '/gz': { body: gzipBomb, headers: { 'content-encoding': 'gzip' } },
        '/br': { body: brBomb, headers: { 'content-encoding': 'br' } },
        '/small-gz': { body: gzipSync('<img src="/real.png" alt="compressed but fine">'), headers: { 'content-encoding': 'gzip' } },
        '/bomb.png': { body: gzipBomb, type: 'image/png', headers: { 'content-encoding': 'gzip' } },
      },
      '127.0.0.24',
    );
    const dir = `${tmp.dir}/bombs`;
    const rssBefore = process.memoryUsage().rss;
    await crawl(dir, { seeds: [`${s.origin}/`], maxPageBytes: 1024 * 1024, maxImageBytes: 2 * 1024 * 1024 });
    expect(pageStates(dir)).toMatchObject({ '/gz': 'failed too_large', '/br': 'failed too_large', '/small-gz': 'done' });
    expect(query(dir, `SELECT error FROM images WHERE url LIKE '%bomb.png'`)).toEqual([{ error: 'too_large' }]);
    expect(query(dir, `SELECT alt_raw FROM pairs ORDER BY id`)).toEqual([{ alt_raw: 'an image bomb' }, { alt_raw: 'compressed but fine' }]);
    // 3 × 64 MiB were never inflated in memory (a generous bound: the test process itself moves).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  test('a huge page stops at the cap, with or without Content-Length', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const s = await serve(
      {
        '/': '<a href="/streamed">s</a><a href="/declared">d</a>',
        '/streamed': (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/html' });
          let sent = 0;
          const write = (): void => {
            while (sent < 512 && res.write(chunk)) sent++;
            if (sent >= 512) res.end();
            else res.once('drain', write);
          };
          res.on('close', () => (sent = 512));
          write();
        },
        '/declared': (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(32 * 1024 * 1024) });
          res.write(chunk); // the rest never comes: the declared length alone fails it
        },
      },
      '127.0.0.25',
    );
    const dir = `${tmp.dir}/huge`;
    await crawl(dir, { seeds: [`${s.origin}/`], maxPageBytes: 256 * 1024 });
    expect(pageStates(dir)).toMatchObject({ '/streamed': 'failed too_large', '/declared': 'failed too_large' });
  });

  test('content types: a PDF is not a page, an HTML error page is not an image', async () => {
    const s = await serve(
      {
        '/': '<a href="/doc.pdf">d</a><img src="/fake.jpg" alt="not really an image">',
        '/doc.pdf': { body: '%PDF-1.4', type: 'application/pdf' },
        '/fake.jpg': { body: '<html>oops</html>', type: 'text/html' },
      },
      '127.0.0.26',
    );
    const dir = `${tmp.dir}/types`;
    const summary = await crawl(dir, { seeds: [`${s.origin}/`] });
    expect(pageStates(dir)).toMatchObject({ '/doc.pdf': 'failed not_html' });
    expect(summary.imageFailures).toEqual({ not_image: 1 });
  });

  test('a connection dropped mid-request is connection_reset, retried like other transient failures', async () => {
    const s = await serve({ '/': '<a href="/drop">d</a>', '/drop': (req) => void req.socket.destroy() }, '127.0.0.28');
    const dir = `${tmp.dir}/reset`;
    const summary = await crawl(dir, { seeds: [`${s.origin}/`], retries: 1, retryBaseDelayMs: 10 });
    expect(summary.pageFailures).toEqual({ connection_reset: 1 });
    expect(hits(s.log, '/drop')).toBe(2);
  });

  test('a host that refuses connections: robots.txt is unreachable, so its pages are not fetched', async () => {
    const s = await serve({}, '127.0.0.27');
    const origin = s.origin;
    await s.close();
    const dir = `${tmp.dir}/refused`;
    const summary = await crawl(dir, { seeds: [`${origin}/`] });
    // robots.txt could not be fetched, so the page is not either (RFC 9309: unreachable means disallowed).
    expect(summary.pageFailures).toEqual({ robots_unavailable: 1 });
  });
});
