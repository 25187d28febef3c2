/**
 * Politeness against real servers: robots.txt first and obeyed (pages and images), Crawl-delay,
 * per-host and global concurrency, 429/503 backoff with Retry-After, the User-Agent.
 */
import type { ServerResponse } from 'node:http';
import { packageVersion } from '../../../src/util/version.js';
import { makeTempDir } from '../../helpers/paths.js';
import { serverPool, type TestServer } from '../../helpers/server.js';
import { crawl, hits, imageStates, pageStates } from './crawl-helpers.js';

const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

function slow(ms: number, body: string): (req: unknown, res: ServerResponse) => Promise<void> {
  return async (_req, res) => {
    await new Promise((r) => setTimeout(r, ms));
    res.writeHead(200, { 'content-type': 'text/html' }).end(body);
  };
}

describe('politeness', () => {
  const { serve, closeAll } = serverPool();
  const tmp = makeTempDir();
  afterAll(async () => {
    await closeAll();
    tmp.cleanup();
  });

  test('robots.txt is fetched first and its Disallow holds for pages and images', async () => {
    const s = await serve(
      {
        '/robots.txt': { body: 'User-agent: *\nDisallow: /private/\n\nUser-agent: align-data\nDisallow: /secret\nDisallow: /private/\n', type: 'text/plain' },
        '/': '<a href="/open">o</a><a href="/private/page">p</a><a href="/secret-page">s</a><img src="/private/cat.png" alt="a private cat">',
        '/open': '<img src="/cat.png" alt="a public cat">',
        '/cat.png': { body: PNG_1x1, type: 'image/png' },
        '/private/page': 'never',
        '/private/cat.png': { body: PNG_1x1, type: 'image/png' },
        '/secret-page': 'never',
      },
      '127.0.0.2',
    );
    const dir = `${tmp.dir}/robots`;
    const summary = await crawl(dir, { seeds: [`${s.origin}/`] });
    expect(s.log[0]?.path).toBe('/robots.txt');
    expect(hits(s.log, '/robots.txt')).toBe(1);
    expect(hits(s.log, '/private/page') + hits(s.log, '/secret-page') + hits(s.log, '/private/cat.png')).toBe(0);
    expect(hits(s.log, '/cat.png')).toBe(1);
    expect(pageStates(dir)).toMatchObject({ '/private/page': 'skipped robots_disallowed', '/secret-page': 'skipped robots_disallowed' });
    expect(imageStates(dir)).toMatchObject({ '/private/cat.png': 'failed robots_disallowed', '/cat.png': 'ok' });
    expect(summary.robotsBlocked).toBe(3);
    // The second run reuses the stored robots.txt.
    await crawl(dir, { seeds: [`${s.origin}/`], recrawlAfterHours: 0 });
    expect(hits(s.log, '/robots.txt')).toBe(1);
  });

  test('Crawl-delay spaces the requests to a host (robots.txt included)', async () => {
    const s = await serve(
      {
        '/robots.txt': { body: 'User-agent: *\nCrawl-delay: 0.5\n', type: 'text/plain' },
        '/': '<a href="/a">a</a><a href="/b">b</a>',
        '/a': 'a',
        '/b': 'b',
      },
      '127.0.0.3',
    );
    await crawl(`${tmp.dir}/delay`, { seeds: [`${s.origin}/`], perHostConcurrency: 4 });
    expect(s.log.map((r) => r.path)).toEqual(['/robots.txt', '/', '/a', '/b']);
    for (let i = 1; i < s.log.length; i++) {
      expect(s.log[i]!.at - s.log[i - 1]!.at).toBeGreaterThanOrEqual(490);
    }
  });

  test('per-host concurrency holds on each host while both are crawled at once', async () => {
    const links = Array.from({ length: 8 }, (_, i) => `<a href="/p${i}">${i}</a>`).join('');
    const routes = (): Record<string, ReturnType<typeof slow> | string> => {
      const r: Record<string, ReturnType<typeof slow> | string> = { '/': links };
      for (let i = 0; i < 8; i++) r[`/p${i}`] = slow(150, `page ${i}`);
      return r;
    };
    const a = await serve(routes(), '127.0.0.4');
    const b = await serve(routes(), '127.0.0.5');
    const summary = await crawl(`${tmp.dir}/concurrency`, { seeds: [`${a.origin}/`, `${b.origin}/`], perHostConcurrency: 2, globalConcurrency: 32 });
    expect(summary.pagesFetched).toBe(18);
    for (const s of [a, b]) {
      expect(s.maxInFlight).toBeLessThanOrEqual(2);
      expect(s.maxInFlight).toBe(2); // the limit is used, not just respected
    }
  });

  test('the global limit caps requests across hosts', async () => {
    const hosts = ['127.0.0.6', '127.0.0.7', '127.0.0.8'];
    let inFlight = 0;
    let peak = 0;
    const counted = async (_req: unknown, res: ServerResponse): Promise<void> => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 100));
      inFlight--;
      res.writeHead(200, { 'content-type': 'text/html' }).end('x');
    };
    const seeds: string[] = [];
    for (const host of hosts) {
      const routes: Record<string, typeof counted> = {};
      for (let i = 0; i < 4; i++) {
        routes[`/p${i}`] = counted;
      }
      const s = await serve(routes, host);
      for (let i = 0; i < 4; i++) seeds.push(`${s.origin}/p${i}`);
    }
    await crawl(`${tmp.dir}/global`, { seeds, perHostConcurrency: 4, globalConcurrency: 2 });
    expect(peak).toBeLessThanOrEqual(2);
  });

  test('429 with Retry-After backs the host off, then the page is fetched', async () => {
    let calls = 0;
    const s = await serve(
      {
        '/': (_req, res) => {
          calls++;
          if (calls === 1) res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('slow down');
          else res.writeHead(200, { 'content-type': 'text/html' }).end('<a href="/next">n</a>');
        },
        '/next': 'next',
      },
      '127.0.0.9',
    );
    const dir = `${tmp.dir}/429`;
    const summary = await crawl(dir, { seeds: [`${s.origin}/`], retries: 2 });
    const pageHits = s.log.filter((r) => r.path === '/');
    expect(pageHits).toHaveLength(2);
    expect(pageHits[1]!.at - pageHits[0]!.at).toBeGreaterThanOrEqual(990);
    expect(pageStates(dir)).toEqual({ '/': 'done', '/next': 'done' });
    // The backoff holds the whole host, not just the page that got the 429.
    const next = s.log.find((r) => r.path === '/next')!;
    expect(next.at - pageHits[0]!.at).toBeGreaterThanOrEqual(990);
    expect(summary.pagesFailed).toBe(0);
  });

  test('a 503 that persists fails the page as http_503 after the retries', async () => {
    const s = await serve({ '/': { body: 'down', status: 503, type: 'text/plain', headers: { 'retry-after': '0' } } }, '127.0.0.10');
    const dir = `${tmp.dir}/503`;
    const summary = await crawl(dir, { seeds: [`${s.origin}/`], retries: 1 });
    expect(hits(s.log, '/')).toBe(2);
    expect(summary.pageFailures).toEqual({ http_503: 1 });
  });

  test('the User-Agent names align-data, its version and the contact URL', async () => {
    const s = await serve({ '/': 'hello' }, '127.0.0.11');
    await crawl(`${tmp.dir}/ua`, { seeds: [`${s.origin}/`], contactUrl: 'https://example.org/crawler' });
    for (const r of s.log) expect(r.headers['user-agent']).toBe(`align-data/${packageVersion()} (+https://example.org/crawler)`);
  });
});
