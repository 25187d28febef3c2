/**
 * refresh as cron runs it: a second run while one holds the data directory exits 75 with one
 * line naming the holder; --max-minutes stops the crawl in time for filter and shard and keeps the
 * frontier, which the next run resumes; Ctrl-C is recorded as 130; bad usage exits 2 before any work.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/load.js';
import { planBudget, runRefresh } from '../../src/flows/refresh.js';
import { makeContext } from '../../src/util/context.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/paths.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { query } from '../stages/crawl/crawl-helpers.js';

const PAGES = 12;

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('refresh runs', () => {
  const tmp = makeTempDir('align-refresh-runs-');
  const servers: TestServer[] = [];
  let images: TestServer;
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    tmp.cleanup();
  });
  beforeAll(async () => {
    const routes: Record<string, { body: Buffer; type: string }> = {};
    for (let i = 0; i < PAGES; i++) {
      const body = await sharp({ create: { width: 300, height: 260, channels: 3, background: { r: 20 * i, g: 90, b: 255 - 20 * i } } }).png().toBuffer();
      routes[`/${i}.png`] = { body, type: 'image/png' };
    }
    images = await startServer(routes, '127.0.0.112');
    servers.push(images);
  });

  /** PAGES pages with one captioned image each (on another host); after `free` answers, pages wait for `open()`. */
  async function gatedSite(host: string, free: number): Promise<{ s: TestServer; open: () => void; held: () => number }> {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let answered = 0;
    let held = 0;
    const s = await startServer({ '/': Array.from({ length: PAGES }, (_, i) => `<a href="/p${i}">${i}</a>`).join('') }, host);
    for (let i = 0; i < PAGES; i++) {
      s.routes.set(`/p${i}`, async (_req, res) => {
        if (answered++ >= free) {
          held += 1;
          await gate;
        }
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<img src="${images.origin}/${i}.png" alt="a picture of number ${i} today">`);
      });
    }
    servers.push(s);
    return { s, open, held: () => held };
  }

  test('a second refresh while the first holds the data directory exits 75 with one line naming it', async () => {
    const { s, open, held } = await gatedSite('127.0.0.113', 2);
    const dir = join(tmp.dir, 'lock');
    const first = runCli(['refresh', '--seeds', `${s.origin}/`, '--data-dir', dir, '--json', '--quiet']);
    await until(() => held() > 0, 'the first refresh to wait on the site');
    const second = await runCli(['refresh', '--data-dir', dir, '--json']);
    expect(second.code).toBe(75);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(new RegExp(`^error E_LOCKED: .* is in use by \`align-data refresh\` \\(pid ${process.pid}, started [^\\n]*\\n$`));
    open();
    const done = await first;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ exitCode: 0, pages: { new: PAGES + 1 }, shards: { totalSamples: PAGES } });
    // The refused run touched nothing: one run recorded, the lock released.
    expect(query(dir, 'SELECT exit_code FROM refresh_runs')).toEqual([{ exit_code: 0 }]);
    expect(existsSync(join(dir, 'align.lock'))).toBe(false);
  });

  test('--max-minutes: the crawl stops in time, filter and shard still run, and the next run resumes the frontier', async () => {
    const { s, open } = await gatedSite('127.0.0.114', 3);
    const dir = join(tmp.dir, 'budget');
    const config = join(tmp.dir, 'budget.json');
    // Half of a 9-second budget for the crawl: the held pages never answer within it.
    writeFileSync(config, JSON.stringify({ refresh: { reserveFraction: 0.5 }, shard: { valFraction: 0 } }));
    const args = ['refresh', '--data-dir', dir, '--config', config, '--json', '--quiet'];
    const cut = await runCli([...args, '--seeds', `${s.origin}/`, '--max-minutes', '0.15']);
    expect(cut.code).toBe(0);
    const summary = JSON.parse(cut.stdout);
    expect(summary).toMatchObject({ exitCode: 0, stoppedBy: 'max-minutes', budget: { maxMinutes: 0.15, crawlMinutes: 0.075 } });
    expect(summary.pages.new).toBe(4); // the home page and the three answered
    expect(summary.frontier.pages).toBeGreaterThan(0);
    expect(summary.stages.filter.kept).toBe(3);
    expect(summary.shards).toMatchObject({ written: 1, totalSamples: 3 });
    expect(query(dir, `SELECT count(*) AS n FROM pages WHERE status = 'fetching'`)).toEqual([{ n: 0 }]);

    open();
    const rest = JSON.parse((await runCli(args)).stdout);
    expect(rest).toMatchObject({ exitCode: 0, stoppedBy: 'done', frontier: { pages: 0, images: 0 }, budget: null });
    expect(rest.stages.crawl.resumed).toBe(true);
    expect(rest.pages.new).toBe(PAGES - 3);
    expect(rest.shards).toMatchObject({ written: 1, totalSamples: PAGES });
  });

  test('--check runs the quality gates after the run: exit 0 when they pass, 3 (recorded) when one fails', async () => {
    const { s, open } = await gatedSite('127.0.0.116', PAGES);
    open();
    const dir = join(tmp.dir, 'check');
    const strict = join(tmp.dir, 'strict.json');
    writeFileSync(strict, JSON.stringify({ check: { minSamples: PAGES + 1 } }));
    const pass = await runCli(['refresh', '--seeds', `${s.origin}/`, '--data-dir', dir, '--check', '--json', '--quiet']);
    expect(pass.code).toBe(0);
    expect(JSON.parse(pass.stdout).check).toMatchObject({ passed: true, samples: PAGES });
    const fail = await runCli(['refresh', '--data-dir', dir, '--config', strict, '--check', '--json', '--quiet']);
    expect(fail.code).toBe(3);
    expect(JSON.parse(fail.stdout).check).toMatchObject({ passed: false, failed: ['min-samples'] });
    expect(query(dir, 'SELECT exit_code FROM refresh_runs ORDER BY id')).toEqual([{ exit_code: 0 }, { exit_code: 3 }]);
  });

  test('Ctrl-C: the run stops, is recorded with exit code 130, and the next one resumes', async () => {
    const { s, open, held } = await gatedSite('127.0.0.115', 2);
    const dir = join(tmp.dir, 'interrupted');
    const config = loadConfig(undefined, { crawl: { seeds: [`${s.origin}/`] } });
    const controller = new AbortController();
    const running = runRefresh(config, makeContext(dir, { signal: controller.signal }));
    await until(() => held() > 0, 'the refresh to wait on the site');
    controller.abort();
    const stopped = await running;
    expect(stopped.exitCode).toBe(130);
    expect(stopped.summary).toMatchObject({ stoppedBy: 'interrupted', stages: { filter: null, shard: null } });
    expect(query(dir, 'SELECT exit_code FROM refresh_runs')).toEqual([{ exit_code: 130 }]);
    open();
    const again = await runRefresh(loadConfig(), makeContext(dir)); // no seeds: the remembered ones
    expect(again).toMatchObject({ exitCode: 0, summary: { stoppedBy: 'done', seeds: 1, frontier: { pages: 0 } } });
    expect(again.summary.stages.crawl.resumed).toBe(true);
    expect(query(dir, 'SELECT exit_code FROM refresh_runs ORDER BY id')).toEqual([{ exit_code: 130 }, { exit_code: 0 }]);
  });

  test('bad usage exits 2 before any work, naming what was wrong', async () => {
    const dir = join(tmp.dir, 'usage');
    const seedsFile = join(tmp.dir, 'seeds.txt');
    writeFileSync(seedsFile, 'http://127.0.0.1:9/\n');
    const badConfig = join(tmp.dir, 'bad.json');
    writeFileSync(badConfig, JSON.stringify({ refresh: { maxMinutes: -1, everyHour: true } }));
    const cases: [string[], RegExp][] = [
      [[], /error E_USAGE: no seeds: give --seeds URL\.\.\. or --seeds-file FILE once/],
      [['--seeds', 'http://127.0.0.1:9/', '--max-minutes', '0'], /error E_USAGE: --max-minutes: expected a number > 0, got `0`/],
      [['--seeds', 'http://127.0.0.1:9/', '--max-minutes', 'soon'], /error E_USAGE: --max-minutes: expected a number >= 0/],
      [['--seeds', 'http://127.0.0.1:9/', '--seeds-file', seedsFile], /error E_USAGE: .*mutually exclusive/],
      [['--seeds', 'not a url'], /error E_USAGE: --seeds: expected an http\(s\) URL, got `not a url`/],
      [['--seeds', 'http://127.0.0.1:9/', '--config', badConfig], /`refresh\.maxMinutes`[\s\S]*unknown key `everyHour` in `refresh`/],
    ];
    for (const [flags, message] of cases) {
      const r = await runCli(['refresh', '--data-dir', dir, ...flags]);
      expect({ flags, code: r.code }).toEqual({ flags, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(dir, 'align.db'))).toBe(false);
  });

  test('the crawl gets what the budget leaves after a reserve for filter and shard', () => {
    const refresh = { maxMinutes: 10, reserveFraction: 0.25 };
    expect(planBudget({ ...refresh, maxMinutes: null }, 0, 0)).toBeNull();
    expect(planBudget(refresh, 1000, 0)).toEqual({ deadline: 601_000, crawlStopAt: 451_000 });
    // The last run's filter and shard took 4 minutes: half again of that is kept back.
    expect(planBudget(refresh, 0, 240_000)).toEqual({ deadline: 600_000, crawlStopAt: 240_000 });
    // Never more than 90% of the budget.
    expect(planBudget(refresh, 0, 3_600_000)).toEqual({ deadline: 600_000, crawlStopAt: 60_000 });
  });
});
