/**
 * A partitioned ingest with downloads, without Slurm (I/N from the flag, Slurm's and Kubernetes'
 * variables set by hand): three partitions read the same list; each downloads only from the image
 * hosts it owns (the servers' own request logs); merged, the pairs (url + caption) and images
 * equal those of one ingest of the list.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { hostOf } from '../../../src/html/url.js';
import { hostPartition } from '../../../src/util/partition.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { serverPool, type TestServer } from '../../helpers/server.js';
import { pairTriples, query } from '../ingest/helpers.js';

async function jpeg(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 200 + seed, height: 160, channels: 3, background: { r: (seed * 37) % 255, g: 90, b: 200 - seed } } }).jpeg().toBuffer();
}

/** Runs the CLI with some environment variables set for the call. */
async function withEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

describe('partitioned ingest with downloads', () => {
  const tmp = makeTempDir('align-part-ingest-');
  const pool = serverPool();
  const servers: TestServer[] = [];
  const dir = (name: string) => join(tmp.dir, name);
  const list = join(tmp.dir, 'list.csv');
  beforeAll(async () => {
    const rows: string[] = [];
    for (let h = 0; h < 9; h++) {
      const routes: Record<string, { body: Buffer; type: string }> = {};
      for (let k = 0; k < 2; k++) routes[`/img/${k}.jpg`] = { body: await jpeg(h * 2 + k), type: 'image/jpeg' };
      const s = await pool.serve(routes, `127.0.0.${h + 2}`);
      servers.push(s);
      for (let k = 0; k < 2; k++) rows.push(`${s.origin}/img/${k}.jpg,photo ${k} from host ${h}`);
    }
    rows.push(`${servers[0]!.origin}/img/1.jpg,the same photo with another caption`);
    writeFileSync(list, ['url,caption', ...rows].join('\n'));
  });
  afterAll(async () => {
    await pool.closeAll();
    tmp.cleanup();
  });

  const ingest = (name: string, extra: string[]) =>
    runCli(['ingest', '--data-dir', dir(name), '--input', list, '--json', ...extra]);
  const requested = () => servers.map((s) => s.log.length);
  const blobs = (name: string) => query<{ sha256: string }>(dir(name), 'SELECT sha256 FROM blobs ORDER BY 1').map((r) => r.sha256);

  test('each partition downloads only from its hosts; merged = one ingest', async () => {
    const runs: [string, string[], Record<string, string>][] = [
      ['p0', ['--partition', '0/3'], {}],
      ['p1', [], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }],
      ['p2', ['--partitions', '3'], { JOB_COMPLETION_INDEX: '2' }],
    ];
    const sources = ['flag', 'slurm', 'kubernetes'];
    for (const [i, [name, flags, env]] of runs.entries()) {
      const before = requested();
      const r = await withEnv(env, () => ingest(name, flags));
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s.ingest.partition).toEqual({ index: i, count: 3, source: sources[i] });
      expect(s.download.partition).toMatchObject({ index: i, count: 3 });
      // The servers' own logs: this run asked only hosts it owns, and every host it owns.
      const asked = requested().map((n, h) => n > before[h]!);
      expect(asked).toEqual(servers.map((srv) => hostPartition(hostOf(srv.origin + '/'), 3) === i));
      expect(s.ingest.pairsNew + s.ingest.otherPartition).toBe(19);
    }
    for (const s of servers) expect(s.log.filter((l) => l.path.startsWith('/img/')).length).toBe(2);
    expect((await runCli(['merge', '--into', dir('m'), dir('p0'), dir('p1'), dir('p2'), '--json'])).code).toBe(0);
    expect((await ingest('single', [])).code).toBe(0);
    expect(pairTriples(dir('m'))).toEqual(pairTriples(dir('single')));
    expect(pairTriples(dir('m'))).toHaveLength(19);
    expect(blobs('m')).toEqual(blobs('single'));
    expect(blobs('m')).toHaveLength(18);
    const ok = (name: string) => query<{ n: number }>(dir(name), `SELECT count(*) AS n FROM images WHERE status = 'ok'`)[0]!.n;
    expect(ok('m')).toBe(ok('single'));
  });
});
