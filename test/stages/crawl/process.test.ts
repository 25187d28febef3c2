/**
 * The crawl as users run it: the built CLI in a child process (build first: `npm run build`),
 * interrupted with Ctrl-C, killed with -9 and run again, a second run on the same data while
 * one runs, and bad flags and config stopping before any work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import { ROOT, makeTempDir } from '../../helpers/paths.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { query } from './crawl-helpers.js';

const BIN = join(ROOT, 'bin', 'align-data.js');
const PAGES = 24;

interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnCli(args: string[]): Child {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { proc, stdout: () => out, stderr: () => err, exit };
}

async function runCliInProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t), isTTY: false } });
  return { code, stdout, stderr };
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('crawl process', () => {
  const tmp = makeTempDir();
  const servers: TestServer[] = [];
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('build the CLI first: npm run build');
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    tmp.cleanup();
  });

  /**
   * A site of PAGES pages. The first `freeAnswers` page requests are answered at once; the
   * others wait for `open()`, so a crawl is reliably caught in the middle, requests in flight.
   */
  async function gatedSite(host: string, freeAnswers: number): Promise<{ s: TestServer; open: () => void }> {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let answered = 0;
    const routes: Parameters<typeof startServer>[0] = {
      '/': Array.from({ length: PAGES }, (_, i) => `<a href="/p${i}">${i}</a>`).join(''),
    };
    for (let i = 0; i < PAGES; i++) {
      routes[`/p${i}`] = async (_req, res) => {
        if (answered++ >= freeAnswers) await gate;
        await new Promise((r) => setTimeout(r, 20));
        res.writeHead(200, { 'content-type': 'text/html' }).end(`page ${i}`);
      };
    }
    const s = await startServer(routes, host);
    servers.push(s);
    return { s, open };
  }

  const pageHits = (s: TestServer): string[] => s.log.map((r) => r.path).filter((p) => p.startsWith('/p'));

  test('a second crawl on the same data exits 75 (busy) with one line naming the holder; Ctrl-C exits 130 and the next run resumes', async () => {
    const { s, open } = await gatedSite('127.0.0.80', 4);
    const dir = join(tmp.dir, 'lock');
    const args = ['crawl', '--seeds', `${s.origin}/`, '--data-dir', dir, '--per-host-concurrency', '2', '--json'];
    const first = spawnCli(args);
    await until(() => pageHits(s).length >= 6, 'the first crawl to fetch pages and wait on the rest');

    const second = spawnCli(args);
    const blocked = await second.exit;
    expect(blocked.code).toBe(75);
    expect(second.stderr()).toMatch(new RegExp(`^error E_LOCKED: .* is in use by \`align-data crawl\` \\(pid ${first.proc.pid},[^\n]*\n$`));

    first.proc.kill('SIGINT'); // two requests are in flight, held by the server
    const stopped = await first.exit;
    expect(stopped.code).toBe(130);
    expect(JSON.parse(first.stdout())).toMatchObject({ stoppedBy: 'interrupted' });
    // Consistent: nothing left claimed, the run not marked finished, the lock released.
    expect(query(dir, `SELECT count(*) AS n FROM pages WHERE status = 'fetching'`)).toEqual([{ n: 0 }]);
    expect(query(dir, 'SELECT finished_at FROM crawl_runs')).toEqual([{ finished_at: null }]);
    expect(existsSync(join(dir, 'align.lock'))).toBe(false);
    const doneBefore = query<{ n: number }>(dir, `SELECT count(*) AS n FROM pages WHERE status = 'done'`)[0]!.n;
    const hitsBefore = pageHits(s).length;

    open();
    const resumed = spawnCli(args);
    expect((await resumed.exit).code).toBe(0);
    const summary = JSON.parse(resumed.stdout());
    expect(summary).toMatchObject({ resumed: true, stoppedBy: 'done', pagesFetched: PAGES + 1, pagesFailed: 0 });
    // Only what was not done is fetched again (the few aborted in flight included).
    expect(pageHits(s).length - hitsBefore).toBe(PAGES + 1 - doneBefore);
  });

  test('kill -9 mid-crawl, then the same command: the stale lock is taken over and the crawl continues', async () => {
    const { s, open } = await gatedSite('127.0.0.81', 8);
    const dir = join(tmp.dir, 'kill');
    const args = ['crawl', '--seeds', `${s.origin}/`, '--data-dir', dir, '--per-host-concurrency', '3', '--json'];
    const first = spawnCli(args);
    await until(() => pageHits(s).length >= 11, 'the crawl to get going');
    // Let the results of the answered pages reach the store (they are written in batches every few ms).
    await until(() => query<{ n: number }>(dir, `SELECT count(*) AS n FROM pages WHERE status = 'done'`)[0]!.n >= 9, 'the results to be written');
    first.proc.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    expect(existsSync(join(dir, 'align.lock'))).toBe(true);
    const done = new Set(query<{ url: string }>(dir, `SELECT url FROM pages WHERE status = 'done'`).map((r) => new URL(r.url).pathname));
    expect(done.size).toBeGreaterThan(0);
    const hitsBefore = pageHits(s).length;

    open();
    const again = spawnCli(args);
    expect((await again.exit).code).toBe(0);
    expect(JSON.parse(again.stdout())).toMatchObject({ resumed: true, stoppedBy: 'done', pagesFetched: PAGES + 1 });
    const refetched = pageHits(s).slice(hitsBefore);
    for (const path of refetched) expect(done.has(path)).toBe(false);
    expect(query(dir, `SELECT count(*) AS n FROM pages WHERE status = 'done'`)).toEqual([{ n: PAGES + 1 }]);
    expect(existsSync(join(dir, 'align.lock'))).toBe(false);
  });

  test('bad flags and a bad config exit 2 before any work, naming what was wrong', async () => {
    const dir = join(tmp.dir, 'bad');
    const cases: [string[], RegExp][] = [
      [['--seeds', 'not a url'], /error E_USAGE: --seeds: expected an http\(s\) URL, got `not a url`/],
      [['--seeds', 'http://127.0.0.1:9/', '--max-pages', '0'], /error E_USAGE: --max-pages: expected an integer >= 1, got `0`/],
      [['--seeds-file', join(tmp.dir, 'missing.txt')], /error E_USAGE: --seeds-file: cannot read/],
    ];
    const badConfig = join(tmp.dir, 'bad-config.json');
    writeFileSync(badConfig, JSON.stringify({ crawl: { scope: { mode: 'everything', exclude: ['(unclosed'] }, maxPagez: 3 } }));
    for (const [flags, message] of cases) {
      const r = await runCliInProcess(['crawl', '--data-dir', dir, ...flags]);
      expect({ flags, code: r.code }).toEqual({ flags, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    const r = await runCliInProcess(['crawl', '--data-dir', dir, '--config', badConfig, '--seeds', 'http://127.0.0.1:9/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('`crawl.scope.mode`');
    expect(r.stderr).toContain('"everything"');
    expect(r.stderr).toContain('`crawl.scope.exclude.0`: expected a valid regular expression');
    expect(r.stderr).toContain('unknown key `maxPagez` in `crawl`');
    const noSeeds = await runCliInProcess(['crawl', '--data-dir', dir]);
    expect(noSeeds.code).toBe(2);
    expect(noSeeds.stderr).toContain('no seeds');
    expect(existsSync(join(dir, 'images'))).toBe(false); // nothing was crawled
  });

  test('--seeds-file and --json: the summary is one JSON object on stdout', async () => {
    const s = await startServer({ '/': '<img src="/x.png" alt="an image">', '/a': 'a' }, '127.0.0.82');
    servers.push(s);
    const seeds = join(tmp.dir, 'seeds.txt');
    writeFileSync(seeds, `# two seeds\n${s.origin}/\n${s.origin}/a # and a comment\n`);
    const r = await runCliInProcess(['crawl', '--seeds-file', seeds, '--data-dir', join(tmp.dir, 'json'), '--json', '--quiet']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pagesFetched: 2, imagesFailed: 1, imageFailures: { http_404: 1 }, pairsFound: 1 });
  });
});
