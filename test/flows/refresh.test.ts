/**
 * refresh against a real local site that changes between runs (real HTTP server, real SQLite,
 * real sharp, the CLI in-process): new pages add new shards only; a page that turns noai, a page
 * that goes 410, a section robots.txt newly disallows and an image that turns noimageai each
 * withdraw their pairs from the shards that held them (the tars are read back), while untouched
 * shards keep their bytes; seeds are remembered; a plain `filter` keeps the withdrawals; a page
 * that drops its noai gets its pairs back.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/load.js';
import { runFilter } from '../../src/stages/filter/index.js';
import { makeContext } from '../../src/util/context.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/paths.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { query } from '../stages/crawl/crawl-helpers.js';
import { groupSamples, readTar } from '../stages/shard/read-shard.js';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Two captioned images per page; each image distinct (its own colour), each caption plain English. */
const PAGES: Record<string, [string, string]> = {
  a: ['a red flower in the garden', 'the old bridge over the river'],
  b: ['a dog running on the beach', 'a small boat in the harbour'],
  c: ['the city at night with lights', 'a cat sleeping on the sofa'],
  d: ['snow on the mountain in winter', 'a train crossing the green valley'],
  new: ['children playing in the park', 'a bowl of fresh fruit on the table'],
};

describe('refresh', () => {
  const tmp = makeTempDir('align-refresh-');
  let site: TestServer;
  const dir = join(tmp.dir, 'data');
  const shards = join(dir, 'shards');
  const config = join(tmp.dir, 'config.json');

  const pagePath = (name: string): string => (name === 'd' ? '/private/d.html' : `/${name}.html`);
  const page = (name: string, head = ''): string =>
    `<!doctype html><html><head><title>${name}</title>${head}</head><body>` +
    PAGES[name]!.map((alt, i) => `<img src="/img/${name}${i}.png" alt="${alt}">`).join('\n') +
    '</body></html>';
  const home = (names: string[]): string => `<html><body>${names.map((n) => `<a href="${pagePath(n)}">${n}</a>`).join(' ')}</body></html>`;

  beforeAll(async () => {
    site = await startServer({}, '127.0.0.110');
    let shade = 0;
    for (const name of Object.keys(PAGES)) {
      site.routes.set(pagePath(name), page(name));
      for (let i = 0; i < 2; i++) {
        shade += 23;
        const body = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: shade, g: 255 - shade, b: (shade * 5) % 256 } } }).png().toBuffer();
        site.routes.set(`/img/${name}${i}.png`, { body, type: 'image/png' });
      }
    }
    site.routes.set('/', home(['a', 'b', 'c', 'd']));
    site.routes.set('/robots.txt', { body: 'User-agent: *\nAllow: /\n', type: 'text/plain' });
    // robots.txt is read again on every run (the default reuses it for a day), so a new Disallow counts at once.
    writeFileSync(
      config,
      JSON.stringify({
        crawl: { robotsCacheHours: 0, retries: 0, requestDeadlineMs: 5000 },
        shard: { samplesPerShard: 100, valFraction: 0, concurrency: 2 },
      }),
    );
  });
  afterAll(async () => {
    await site.close();
    tmp.cleanup();
  });

  async function refresh(...flags: string[]): Promise<Record<string, any>> {
    const r = await runCli(['refresh', '--data-dir', dir, '--config', config, '--recrawl-after', '0', '--json', '--quiet', ...flags]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(r.stdout);
  }

  async function captions(name: string): Promise<Map<string, string>> {
    const samples = groupSamples(await readTar(join(shards, name)));
    return new Map(samples.map((s) => [s.key, s.members.txt!.toString('utf8')]));
  }

  const sizes = (): Record<string, number> => JSON.parse(readFileSync(join(shards, 'sizes.json'), 'utf8'));
  const manifestSha = (name: string): string =>
    (JSON.parse(readFileSync(join(shards, 'manifest.json'), 'utf8')).shardlist as { url: string; sha256: string }[]).find((s) => s.url === name)!.sha256;

  test('new pages add shards; withdrawn consent leaves the shards that held it; seeds are remembered', async () => {
    // Run 1: the seeds are given once.
    const first = await refresh('--seeds', `${site.origin}/`);
    expect(first).toMatchObject({ exitCode: 0, stoppedBy: 'done', seeds: 1, pages: { new: 5, changed: 0, gone: 0 }, pairs: { new: 8 }, kept: { new: 8 } });
    expect(first.shards).toMatchObject({ written: 1, rewritten: 0, total: 1, totalSamples: 8 });
    expect(first.withdrawn).toBe(0);
    const shard0 = join(shards, 'train-000000.tar');
    const before0 = await captions('train-000000.tar');
    expect(new Set(before0.values())).toEqual(new Set(['a', 'b', 'c', 'd'].flatMap((n) => PAGES[n]!)));
    const aKeys = [...before0].filter(([, alt]) => PAGES.a!.includes(alt)).map(([key]) => key);
    const members = async (name: string, keys: string[]) =>
      groupSamples(await readTar(join(shards, name))).filter((x) => keys.includes(x.key)).map((x) => x.members);
    const aMembers = await members('train-000000.tar', aKeys);

    // Run 2: a new page; no seeds given, the remembered ones are crawled. Only a new shard is written.
    site.routes.set('/', home(['a', 'b', 'c', 'd', 'new']));
    const hash0 = sha256(shard0);
    const second = await refresh();
    expect(second).toMatchObject({ exitCode: 0, seeds: 1, pages: { new: 1, changed: 5 }, pairs: { new: 2 }, kept: { new: 2 }, withdrawn: 0 });
    expect(second.shards).toMatchObject({ written: 1, rewritten: 0, total: 2, totalSamples: 10 });
    expect(sha256(shard0)).toBe(hash0);
    const shard1 = join(shards, 'train-000001.tar');
    expect(new Set((await captions('train-000001.tar')).values())).toEqual(new Set(PAGES.new));

    // Run 3: b says noai, c is gone (410), robots.txt now disallows /private/ (d).
    site.routes.set('/b.html', page('b', '<meta name="robots" content="noai">'));
    site.routes.set('/c.html', { body: 'gone', status: 410, type: 'text/plain' });
    site.routes.set('/robots.txt', { body: 'User-agent: *\nDisallow: /private/\n', type: 'text/plain' });
    const hash1 = sha256(shard1);
    const third = await refresh();
    expect(third).toMatchObject({ exitCode: 0, pages: { gone: 1, disallowed: 1 }, pairs: { new: 0 }, withdrawn: 6, samplesWithdrawn: 6 });
    expect(third.withdrawnByReason).toEqual({ withdrawn_gone: 2, withdrawn_noai: 2, withdrawn_robots: 2 });
    expect(third.shards).toMatchObject({ written: 0, rewritten: 1, rewriteFailed: [], total: 2, totalSamples: 4 });
    // The shard that held them is rewritten under its name: only a's samples, with their keys and bytes.
    const after0 = await captions('train-000000.tar');
    expect([...after0.keys()]).toEqual(aKeys);
    expect(await members('train-000000.tar', aKeys)).toEqual(aMembers); // .jpg, .json, .txt byte for byte
    expect(new Set(after0.values())).toEqual(new Set(PAGES.a));
    for (const gone of ['b', 'c', 'd'].flatMap((n) => PAGES[n]!)) expect([...after0.values()]).not.toContain(gone);
    expect(sha256(shard0)).not.toBe(hash0);
    expect(sha256(shard1)).toBe(hash1); // untouched
    expect(sizes()).toEqual({ 'train-000000.tar': 2, 'train-000001.tar': 2 });
    expect(manifestSha('train-000000.tar')).toBe(sha256(shard0));
    expect(existsSync(`${shard0}.partial`)).toBe(false);
    expect(query(dir, 'SELECT count(*) AS n FROM shard_samples')).toEqual([{ n: 4 }]);

    // A plain filter rerun keeps them withdrawn; stats lists them by reason.
    const filtered = await runFilter(loadConfig(config).filter, makeContext(dir));
    expect(filtered.kept).toBe(4);
    expect(filtered.withdrawn).toEqual({ total: 6, new: 0, restored: 0 });
    const stats = await runCli(['stats', '--data-dir', dir, '--json']);
    expect(JSON.parse(stats.stdout).withdrawn).toEqual({ withdrawn_gone: 2, withdrawn_noai: 2, withdrawn_robots: 2 });

    // Run 4: an image now answers with X-Robots-Tag: noimageai; its pair leaves shard 0, shard 1 stays.
    const aImage = site.routes.get('/img/a1.png') as { body: Buffer };
    site.routes.set('/img/a1.png', { body: aImage.body, type: 'image/png', headers: { 'x-robots-tag': 'noimageai' } });
    const fourth = await refresh();
    expect(fourth).toMatchObject({ withdrawn: 1, withdrawnByReason: { withdrawn_noai: 1 }, samplesWithdrawn: 1 });
    expect(fourth.shards).toMatchObject({ rewritten: 1, written: 0, totalSamples: 3 });
    expect([...(await captions('train-000000.tar')).values()]).toEqual([PAGES.a![0]]);
    expect(sha256(shard1)).toBe(hash1);

    // Run 5: b drops its noai: consent is given back, its pairs are kept again and go into a new shard.
    site.routes.set('/b.html', page('b'));
    const fifth = await refresh();
    expect(fifth).toMatchObject({ withdrawn: 0, kept: { new: 2 }, samplesWithdrawn: 0 });
    expect(fifth.stages.filter.withdrawn).toEqual({ total: 5, new: 0, restored: 2 });
    expect(fifth.shards).toMatchObject({ written: 1, rewritten: 0, total: 3, totalSamples: 5 });
    expect(new Set((await captions('train-000002.tar')).values())).toEqual(new Set(PAGES.b));
    expect(sha256(shard1)).toBe(hash1);

    // Every run is recorded with ISO times, its exit code and its summary.
    const runs = query<{ id: number; started_at: string; ended_at: string; exit_code: number; summary_json: string }>(
      dir,
      'SELECT id, started_at, ended_at, exit_code, summary_json FROM refresh_runs ORDER BY id',
    );
    expect(runs.map((r) => r.exit_code)).toEqual([0, 0, 0, 0, 0]);
    for (const r of runs) {
      expect(new Date(r.started_at).toISOString()).toBe(r.started_at);
      expect(r.ended_at >= r.started_at).toBe(true);
      expect(JSON.parse(r.summary_json)).toMatchObject({ run: r.id, exitCode: 0 });
    }
    expect(JSON.parse(runs[2]!.summary_json).withdrawn).toBe(6);
  });

  /** A site of two pages, x and y, one captioned image each; `y` can turn noai. */
  async function twoPageSite(host: string): Promise<{ s: TestServer; noai: () => void }> {
    const s = await startServer({ '/': '<a href="/x.html">x</a><a href="/y.html">y</a>' }, host);
    for (const [name, shade] of [['x', 40], ['y', 160]] as const) {
      const body = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: shade, g: 0, b: 0 } } }).png().toBuffer();
      s.routes.set(`/${name}.png`, { body, type: 'image/png' });
      s.routes.set(`/${name}.html`, `<img src="/${name}.png" alt="the letter ${name} painted in red">`);
    }
    const noai = (): void => void s.routes.set('/y.html', '<meta name="robots" content="noai"><img src="/y.png" alt="the letter y painted in red">');
    return { s, noai };
  }

  test('killed after the rewritten shard was renamed but before it was recorded: the next run records it', async () => {
    const { s, noai } = await twoPageSite('127.0.0.118');
    try {
      const data = join(tmp.dir, 'killed');
      const args = ['refresh', '--data-dir', data, '--config', config, '--recrawl-after', '0', '--json', '--quiet'];
      expect((await runCli([...args, '--seeds', `${s.origin}/`])).code).toBe(0);
      const db = join(data, 'align.db');
      const storeBefore = readFileSync(db); // the CLI closed the store: the WAL is checkpointed into it
      noai();
      expect(JSON.parse((await runCli(args)).stdout)).toMatchObject({ samplesWithdrawn: 1, shards: { rewritten: 1 } });
      const tar = join(data, 'shards', 'train-000000.tar');
      const rewritten = sha256(tar);
      // The store as it was before the rewrite was recorded; the new file already in place.
      writeFileSync(db, storeBefore);
      for (const extra of ['-wal', '-shm']) rmSync(`${db}${extra}`, { force: true });
      const repaired = JSON.parse((await runCli(args)).stdout);
      expect(repaired).toMatchObject({ withdrawn: 1, samplesWithdrawn: 0, shards: { rewritten: 1, rewriteFailed: [], totalSamples: 1 } });
      expect(sha256(tar)).toBe(rewritten);
      expect(JSON.parse(readFileSync(join(data, 'shards', 'sizes.json'), 'utf8'))).toEqual({ 'train-000000.tar': 1 });
      expect(query(data, 'SELECT samples, sha256 FROM shards')).toEqual([{ samples: 1, sha256: rewritten }]);
    } finally {
      await s.close();
    }
  });

  test('a shard that cannot be read is left as it was, named, and the run goes on', async () => {
    const { s: other, noai } = await twoPageSite('127.0.0.116');
    try {
      const data = join(tmp.dir, 'damaged');
      const args = ['refresh', '--data-dir', data, '--config', config, '--recrawl-after', '0', '--json', '--quiet'];
      expect((await runCli([...args, '--seeds', `${other.origin}/`])).code).toBe(0);
      const tar = join(data, 'shards', 'train-000000.tar');
      const bytes = readFileSync(tar);
      writeFileSync(tar, bytes.subarray(0, 1024)); // cut inside the first sample
      noai();
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/cannot withdraw 1 samples from train-000000\.tar: it cannot be read to its end .*; it is left as it was/);
      expect(JSON.parse(r.stdout)).toMatchObject({ withdrawn: 1, samplesWithdrawn: 0, shards: { rewritten: 0, rewriteFailed: ['train-000000.tar'] } });
      expect(readFileSync(tar)).toEqual(bytes.subarray(0, 1024));
      expect(existsSync(`${tar}.partial`)).toBe(false);
    } finally {
      await other.close();
    }
  });
});
