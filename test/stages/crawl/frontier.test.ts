/**
 * What gets crawled: scope (hosts, allow-list, include/exclude), --max-depth, --max-pages,
 * nofollow (meta and X-Robots-Tag), seeds files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlignError } from '../../../src/errors.js';
import { runCrawl } from '../../../src/stages/crawl/index.js';
import { makeScope } from '../../../src/stages/crawl/scope.js';
import { readSeedsFile } from '../../../src/stages/crawl/seeds.js';
import { normalizeUrl, registrableDomain } from '../../../src/html/url.js';
import { makeContext } from '../../../src/util/context.js';
import { Logger } from '../../../src/util/log.js';
import { makeTempDir } from '../../helpers/paths.js';
import { serverPool, type TestServer } from '../../helpers/server.js';
import { crawl, hits, pageStates, query, testConfig } from './crawl-helpers.js';

const chain = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [i === 0 ? '/' : `/d${i}`, `<a href="/d${i + 1}">next</a>`]));

describe('frontier and scope', () => {
  const tmp = makeTempDir();
  const { serve, closeAll } = serverPool();
  afterAll(async () => {
    await closeAll();
    tmp.cleanup();
  });

  test('urls: fragments dropped, non-http refused; registrable domains', () => {
    expect(normalizeUrl('HTTP://Example.COM:80/a#frag')).toBe('http://example.com/a');
    expect(normalizeUrl('mailto:x@y')).toBeUndefined();
    expect(normalizeUrl('../b', 'http://h/a/c')).toBe('http://h/b');
    expect(registrableDomain('img.static.example.com')).toBe('example.com');
    expect(registrableDomain('www.bbc.co.uk')).toBe('bbc.co.uk');
    expect(registrableDomain('127.0.0.2')).toBe('127.0.0.2');
  });

  test('scope modes and patterns', () => {
    const seeds = ['http://www.example.com/'];
    const base = { mode: 'host' as const, hosts: [], include: [], exclude: [] };
    expect(makeScope(base, seeds).allows('http://www.example.com/x')).toBe(true);
    expect(makeScope(base, seeds).allows('http://cdn.example.com/x')).toBe(false);
    expect(makeScope({ ...base, mode: 'domain' }, seeds).allows('https://cdn.example.com/x')).toBe(true);
    expect(makeScope({ ...base, mode: 'domain' }, seeds).allows('https://example.org/x')).toBe(false);
    expect(makeScope({ ...base, mode: 'allowlist', hosts: ['blog.example.org'] }, seeds).allows('http://blog.example.org/')).toBe(true);
    expect(makeScope({ ...base, mode: 'any' }, seeds).allows('http://anything.test/')).toBe(true);
    const patterned = makeScope({ ...base, include: ['/articles/'], exclude: ['\\?print=1$'] }, seeds);
    expect(patterned.allows('http://www.example.com/articles/1')).toBe(true);
    expect(patterned.allows('http://www.example.com/articles/1?print=1')).toBe(false);
    expect(patterned.allows('http://www.example.com/about')).toBe(false);
  });

  test('seeds files: one URL a line, # comments, a bad line named by file and line', () => {
    const good = join(tmp.dir, 'seeds.txt');
    writeFileSync(good, '# my seeds\nhttp://a.test/  # the first\n\n  https://b.test/x#top\n');
    expect(readSeedsFile(good)).toEqual(['http://a.test/', 'https://b.test/x']);
    const bad = join(tmp.dir, 'bad-seeds.txt');
    writeFileSync(bad, 'http://a.test/\nftp://nope/\n');
    expect(() => readSeedsFile(bad)).toThrow(AlignError);
    expect(() => readSeedsFile(bad)).toThrow(`--seeds-file ${bad} line 2: expected an http(s) URL, got \`ftp://nope/\``);
  });

  test('--max-depth: links deeper than D are not followed', async () => {
    const s = await serve(chain(6), '127.0.0.70');
    const dir = join(tmp.dir, 'depth');
    await crawl(dir, { seeds: [`${s.origin}/`], maxDepth: 2 });
    expect(pageStates(dir)).toEqual({ '/': 'done', '/d1': 'done', '/d2': 'done' });
    expect(query(dir, 'SELECT max(depth) AS d FROM pages')).toEqual([{ d: 2 }]);
  });

  test('--max-pages: the run stops at N pages, the rest stays queued for a later run', async () => {
    const links = Array.from({ length: 12 }, (_, i) => `<a href="/p${i}">${i}</a>`).join('');
    const routes: Record<string, string> = { '/': links };
    for (let i = 0; i < 12; i++) routes[`/p${i}`] = `page ${i}`;
    const s = await serve(routes, '127.0.0.71');
    const dir = join(tmp.dir, 'max-pages');
    const summary = await crawl(dir, { seeds: [`${s.origin}/`], maxPages: 5, perHostConcurrency: 3 });
    expect(summary).toMatchObject({ pagesFetched: 5, stoppedBy: 'max-pages', queuedPages: 8 });
    expect(s.log.filter((r) => r.path !== '/robots.txt')).toHaveLength(5);
    expect(query(dir, `SELECT count(*) AS n FROM pages WHERE status = 'fetching'`)).toEqual([{ n: 0 }]);
    const next = await crawl(dir, { seeds: [`${s.origin}/`] });
    expect(next).toMatchObject({ pagesFetched: 8, stoppedBy: 'done', queuedPages: 0 });
    for (let i = 0; i < 12; i++) expect(hits(s.log, `/p${i}`)).toBe(1);
  });

  test('scope: other hosts are not followed but their images are fetched; an allow-list widens it', async () => {
    const other = await serve({ '/page': 'other page', '/pic.png': { body: 'x', type: 'text/plain' } }, '127.0.0.73');
    const s = await serve({ '/': `<a href="${other.origin}/page">o</a><img src="${other.origin}/pic.png" alt="a picture elsewhere">` }, '127.0.0.72');
    await crawl(join(tmp.dir, 'scope-host'), { seeds: [`${s.origin}/`] });
    expect(hits(other.log, '/page')).toBe(0);
    expect(hits(other.log, '/pic.png')).toBe(1);
    await crawl(join(tmp.dir, 'scope-allow'), { seeds: [`${s.origin}/`], scope: { mode: 'allowlist', hosts: [other.host], include: [], exclude: [] } });
    expect(hits(other.log, '/page')).toBe(1);
  });

  test('progress: plain lines with pages, images, pairs, errors and rates when not on a terminal', async () => {
    const s = await serve({ '/': '<a href="/a">a</a><img src="/gone.png" alt="a missing picture">', '/a': 'a' }, '127.0.0.75');
    let text = '';
    const log = new Logger({ sink: { write: (t: string) => (text += t), isTTY: false }, plainProgressIntervalMs: 0 });
    await runCrawl(testConfig({ seeds: [`${s.origin}/`] }), makeContext(join(tmp.dir, 'progress'), { log }));
    expect(text).toMatch(/^crawl: run #1, 1 seeds/m);
    expect(text).toMatch(/^\[crawl\] pages 2 {2}images 0 {2}pairs 1 {2}errors 1 {2}pages\/s [\d.]+ {2}images\/s [\d.]+$/m);
  });

  test('nofollow from the robots meta and from X-Robots-Tag; an agent-scoped header for another bot is ignored', async () => {
    const s = await serve(
      {
        '/': '<a href="/meta">m</a><a href="/header">h</a><a href="/googlebot-only">g</a>',
        '/meta': '<meta name="robots" content="nofollow"><a href="/from-meta">x</a>',
        '/header': { body: '<a href="/from-header">x</a>', headers: { 'x-robots-tag': 'nofollow' } },
        '/googlebot-only': { body: '<a href="/from-googlebot-only">x</a>', headers: { 'x-robots-tag': 'googlebot: nofollow' } },
        '/from-googlebot-only': 'followed',
      },
      '127.0.0.74',
    );
    const dir = join(tmp.dir, 'nofollow');
    await crawl(dir, { seeds: [`${s.origin}/`] });
    expect(Object.keys(pageStates(dir)).sort()).toEqual(['/', '/from-googlebot-only', '/googlebot-only', '/header', '/meta']);
  });
});
