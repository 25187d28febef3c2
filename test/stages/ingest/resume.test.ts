/**
 * A killed ingest resumes: the CLI in a child process (build first: `npm run build`) is killed
 * with -9 in the middle of a file served over HTTP, then the same command again finishes it.
 * The result equals one uninterrupted run and nothing is stored twice. Bad flags exit 2 first.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ROOT, makeTempDir } from '../../helpers/paths.js';
import { runCli } from '../../helpers/cli.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { pairTriples, query } from './helpers.js';
import { buildWat } from './warc-fixtures.js';

const BIN = join(ROOT, 'bin', 'align-data.js');

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Serves `body`; while `hang` is set, sends only its first `cut` bytes and then holds the connection open. Honours `Range: bytes=N-`. */
function serveBytes(state: { body: Buffer; hang: boolean; cut: number }) {
  return (req: { headers: Record<string, unknown> }, res: ServerResponse): void => {
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const from = range ? Number(range[1]) : 0;
    const body = state.body.subarray(from);
    res.writeHead(range ? 206 : 200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
    if (state.hang) res.write(body.subarray(0, state.cut - from));
    else res.end(body);
  };
}

function positionOf(dataDir: string): number {
  if (!existsSync(join(dataDir, 'align.db'))) return 0;
  try {
    return query<{ position: number }>(dataDir, 'SELECT position FROM ingest_files')[0]?.position ?? 0;
  } catch {
    return 0; // the schema is being created
  }
}

describe('ingest resume', () => {
  const tmp = makeTempDir();
  let server: TestServer;
  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('build the CLI first: npm run build');
    server = await startServer({}, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  async function killMidFile(args: string[], dataDir: string, minPosition: number): Promise<number> {
    const child = spawn(process.execPath, [BIN, 'ingest', '--data-dir', dataDir, '--no-download', '--batch-size', '1', ...args], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    await until(() => positionOf(dataDir) >= minPosition, 'a committed batch');
    child.kill('SIGKILL');
    await exited;
    return positionOf(dataDir);
  }

  test('jsonl over http: killed mid-file, run again: the same pairs as one run, none twice', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ url: `http://i.example/${i}.jpg`, caption: `caption for row ${i} here` }));
    const state = { body: Buffer.from(lines.join('\n') + '\n'), hang: true, cut: 0 };
    state.cut = Math.floor(state.body.length / 2);
    server.routes.set('/rows.jsonl', serveBytes(state));
    const url = `${server.origin}/rows.jsonl`;
    const data = join(tmp.dir, 'jsonl');
    const at = await killMidFile(['--input', url], data, 50);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(400);
    expect(query(data, 'SELECT status FROM ingest_files')).toEqual([{ status: 'running' }]);
    state.hang = false;
    const again = await runCli(['ingest', '--data-dir', data, '--input', url, '--no-download', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).ingest.resumed).toBe(1);
    const once = join(tmp.dir, 'jsonl-once');
    expect((await runCli(['ingest', '--data-dir', once, '--input', url, '--no-download'])).code).toBe(0);
    expect(pairTriples(data)).toEqual(pairTriples(once));
    expect(query(data, 'SELECT count(*) AS n, count(DISTINCT position) AS d FROM ingest_pairs')).toEqual([{ n: 400, d: 400 }]);
    // Every row was read once across the two runs: the second started where the first committed.
    expect(query(data, 'SELECT records, position, status FROM ingest_files')).toEqual([{ records: 400, position: 400, status: 'done' }]);
  });

  test('WAT over http: the resumed read asks for the bytes from the saved record offset', async () => {
    const pages = Array.from({ length: 120 }, (_, i) => ({ url: `http://site${i % 7}.example/p${i}`, links: [{ path: 'IMG@/src', url: `/img${i}.jpg`, alt: `picture ${i} of a page` }] }));
    const state = { body: await buildWat(pages), hang: true, cut: 0 };
    state.cut = Math.floor(state.body.length * 0.6);
    server.routes.set('/seg.wat.gz', serveBytes(state));
    const url = `${server.origin}/seg.wat.gz`;
    const data = join(tmp.dir, 'wat');
    const at = await killMidFile(['--wat', url], data, 1000);
    state.hang = false;
    server.log.length = 0;
    expect((await runCli(['ingest', '--data-dir', data, '--wat', url, '--no-download'])).code).toBe(0);
    expect(server.log.map((r) => r.headers.range)).toEqual([`bytes=${at}-`]);
    const once = join(tmp.dir, 'wat-once');
    expect((await runCli(['ingest', '--data-dir', once, '--wat', url, '--no-download'])).code).toBe(0);
    expect(pairTriples(data)).toEqual(pairTriples(once));
    expect(pairTriples(data)).toHaveLength(120);
  });

  test('a URL input cut by the network keeps what was read and stays to be resumed; the run goes on', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ url: `http://i.example/n${i}.jpg`, caption: `network row ${i} caption` }));
    const body = Buffer.from(lines.join('\n') + '\n');
    let cut = true;
    server.routes.set('/cut.jsonl', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': String(body.length) });
      if (!cut) return void res.end(body);
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.destroy(), 50));
    });
    const url = `${server.origin}/cut.jsonl`;
    const data = join(tmp.dir, 'cut');
    const first = await runCli(['ingest', '--data-dir', data, '--input', url, '--no-download', '--batch-size', '10', '--json']);
    expect([first.code, first.code === 0 ? '' : first.stderr]).toEqual([0, '']);
    expect(Object.values(JSON.parse(first.stdout).ingest.errors as Record<string, string>)[0]).toMatch(/^fetch_failed/);
    const [row] = query<{ status: string; position: number }>(data, 'SELECT status, position FROM ingest_files');
    expect(row!.status).toBe('running');
    expect(row!.position).toBeGreaterThan(0);
    cut = false;
    expect((await runCli(['ingest', '--data-dir', data, '--input', url, '--no-download'])).code).toBe(0);
    expect(query(data, 'SELECT records, status FROM ingest_files')).toEqual([{ records: 300, status: 'done' }]);
  });

  test.each([
    [['--input-format', 'xml', '--input', 'x.csv'], /--input-format/],
    [['--input', 'no-such-file.csv'], /no such file/],
    [['--batch-size', '0', '--input', 'x.csv'], /--batch-size/],
    [[], /nothing to ingest/],
    [['--input', 'x.csv', '--bogus'], /bogus/i],
    [['--wat', 'README.md'], /format/],
  ])('bad flags exit 2 before any work: %j', async (args, message) => {
    const dir = join(tmp.dir, `bad-${Math.random().toString(36).slice(2)}`);
    const r = await runCli(['ingest', '--data-dir', dir, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, 'align.db'))).toBe(false);
  });
});
