/**
 * `score --partition` and `index --partition` (I/N from the flag, Slurm's and Kubernetes'
 * variables), one partition killed mid-run and resumed, gathered by `merge --scores` and
 * `merge --index`: the store's scores equal one `score` run's (pair by pair), the filter keeps
 * the same pairs, and search over the gathered index gives one `index` run's results.
 */
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runIndex } from '../../../src/stages/retrieval/build-index.js';
import { runScore } from '../../../src/stages/retrieval/score.js';
import { openRun } from '../../../src/stages/train/index.js';
import { openStore } from '../../../src/store/db.js';
import { makeContext } from '../../../src/util/context.js';
import { resolvePartition } from '../../../src/util/partition.js';
import { emptyCounts, readShard } from '../../../src/webdataset/reader.js';
import type { WdsSample } from '../../../src/webdataset/split-writer.js';
import { writeShards } from '../../../src/webdataset/write-shards.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { StoreBuilder } from '../filter/make-store.js';
import { stoppingEncoder, trainSmallRun, type TrainedRun } from './trained-run.js';

const N = 3;
type Env = Record<string, string>;

/** The CLI with scheduler variables set for the call only. */
async function cliWith(env: Env, argv: string[]) {
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await runCli(argv);
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** How each partition is told its I/N: the flag, Slurm's array variables, Kubernetes' completion index. */
function sourceOf(i: number): { env: Env; flags: string[] } {
  if (i === 0) return { env: {}, flags: ['--partition', `0/${N}`] };
  if (i === 1) return { env: { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: String(N) }, flags: [] };
  return { env: { JOB_COMPLETION_INDEX: String(i) }, flags: ['--partitions', String(N)] };
}

function scores(dir: string): Map<number, { score: number | null; error: string | null; run: string }> {
  const db = openStore(dir);
  try {
    const rows = db.prepare('SELECT s.pair_id AS id, s.score, s.error, r.run_dir AS run FROM pair_scores s JOIN score_runs r ON r.id = s.score_run_id').all() as
      { id: number; score: number | null; error: string | null; run: string }[];
    return new Map(rows.map((r) => [r.id, { score: r.score, error: r.error, run: r.run }]));
  } finally {
    db.close();
  }
}

function keptPairs(dir: string): number[] {
  const db = openStore(dir);
  try {
    return db.prepare('SELECT pair_id FROM decisions WHERE kept = 1 ORDER BY pair_id').pluck().all() as number[];
  } finally {
    db.close();
  }
}

describe('score and index in partitions, gathered', () => {
  const tmp = makeTempDir('align-partitioned-retrieval-');
  let t: TrainedRun;
  const single = () => join(tmp.dir, 'single');
  const merged = () => join(tmp.dir, 'merged');

  beforeAll(async () => {
    t = await trainSmallRun(tmp.dir);
    // A store of held-out images, each with its own caption and another's, and one broken image.
    const b = new StoreBuilder(single());
    const samples = t.valSamples.slice(0, 32);
    samples.forEach((s, i) => {
      const page = b.page();
      const image = b.image({ bytes: s.image });
      b.pair(page, image, s.caption);
      b.pair(page, image, samples[(i + 7) % samples.length]!.caption);
    });
    b.simplePair('a red square on a white background', { bytes: Buffer.from('not an image at all') });
    b.close();
    cpSync(single(), merged(), { recursive: true });
  }, 300_000);
  afterAll(() => tmp.cleanup());

  test('bad I/N exits 2 before any work', async () => {
    const bad: [Env, string[], string][] = [
      [{}, ['--partition', '3/3'], 'partition 3 does not exist'],
      [{}, ['--partition', 'x/3'], '--partition'],
      [{ SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '3' }, [], 'SLURM_ARRAY_TASK_ID'],
      [{ JOB_COMPLETION_INDEX: '1' }, [], 'ALIGN_DATA_PARTITIONS'],
    ];
    for (const [env, flags, message] of bad) {
      for (const command of ['score', 'index']) {
        const r = await cliWith(env, [command, '--run', t.run, ...flags, '--data-dir', merged(), '--config', t.config]);
        expect([command, flags, r.code]).toEqual([command, flags, 2]);
        expect(r.stderr).toContain(message);
      }
    }
    expect(existsSync(join(merged(), 'score-parts'))).toBe(false);
    expect(existsSync(join(t.run, 'index-parts'))).toBe(false);
    // The gathers: a folder without a score part, a file that is no index, two gathers at once.
    const notParts: string[][] = [
      ['--scores', '--into', merged(), join(tmp.dir, 'nowhere')],
      ['--index', '--into', join(tmp.dir, 'gathered.sqlite'), join(merged(), 'align.db')],
      ['--index', '--into', join(tmp.dir, 'gathered.sqlite'), join(tmp.dir, 'nowhere.sqlite')],
      ['--scores', '--index', '--into', merged(), join(tmp.dir, 'nowhere')],
    ];
    for (const argv of notParts) {
      const r = await runCli(['merge', ...argv]);
      expect([argv, r.code]).toEqual([argv, 2]);
    }
    expect(existsSync(join(tmp.dir, 'gathered.sqlite'))).toBe(false);
  });

  test('3 score partitions (one killed and resumed), gathered, equal one score run; the filter keeps the same pairs', async () => {
    const one = await runCli(['score', '--run', t.run, '--data-dir', single(), '--config', t.config, '--json']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ scored: 65, failed: 1 });

    // Partition 1 (its I/N from Slurm's variables) killed while it scores its second batch.
    const run = await openRun(t.run, makeContext(merged()), 'wasm');
    let killedScored = 0;
    try {
      const controller = new AbortController();
      const partition = resolvePartition(undefined, undefined, sourceOf(1).env);
      const killed = await runScore(stoppingEncoder(run, controller, 2), makeContext(merged(), { signal: controller.signal }), { batchSize: 4, partition });
      killedScored = killed.scored;
      expect(killed.partition).toEqual({ index: 1, count: N, source: 'slurm' });
      expect(killedScored).toBe(8);
    } finally {
      run.dispose();
    }
    const parts: { scored: number; total: number; partition: unknown }[] = [];
    for (let i = 0; i < N; i++) {
      const { env, flags } = sourceOf(i);
      const r = await cliWith(env, ['score', '--run', t.run, ...flags, '--batch-size', '4', '--data-dir', merged(), '--config', t.config, '--json']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`score: partition ${i}/${N} (from ${['--partition', 'SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'][i]})`);
      parts.push(JSON.parse(r.stdout));
    }
    // The resumed partition scored only what the kill left; every pair is in exactly one part.
    const rows = (i: number): number => {
      const db = new Database(join(merged(), 'score-parts', `part-000${i}-of-0003`, 'score-part.db'), { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM pair_scores').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    expect(killedScored + parts[1]!.scored).toBe(rows(1));
    expect(rows(0) + rows(1) + rows(2)).toBe(65);
    expect(parts.reduce((a, p) => a + p.total, 0)).toBe(64);
    expect(parts.filter((p) => p.total > 0).length).toBeGreaterThan(1);
    // The merged store was only read.
    expect(scores(merged()).size).toBe(0);

    const dirs = readdirSync(join(merged(), 'score-parts')).sort().map((d) => join(merged(), 'score-parts', d));
    expect(dirs.map((d) => d.slice(-17))).toEqual(['part-0000-of-0003', 'part-0001-of-0003', 'part-0002-of-0003']);
    const gathered = await runCli(['merge', '--scores', '--into', merged(), ...dirs, '--json']);
    expect(gathered.code).toBe(0);
    expect(JSON.parse(gathered.stdout)).toMatchObject({ parts: 3, scores: 65, changed: 65, orphaned: 0 });
    const want = scores(single());
    const got = scores(merged());
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([...want.keys()].sort((a, b) => a - b));
    for (const [id, w] of want) {
      const g = got.get(id)!;
      expect([id, g.error, g.run]).toEqual([id, w.error, w.run]);
      if (w.score === null) expect(g.score).toBeNull();
      else expect(g.score).toBeCloseTo(w.score, 5);
    }
    const again = await runCli(['merge', '--scores', '--into', merged(), ...dirs, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: 0 });
    // A plain score on the gathered store finds nothing left to do.
    expect(JSON.parse((await runCli(['score', '--run', t.run, '--data-dir', merged(), '--config', t.config, '--json'])).stdout)).toMatchObject({ scored: 0, total: 64 });

    const config = join(tmp.dir, 'model-score.json');
    writeFileSync(config, JSON.stringify({ filter: { imagesPerAlt: { max: 1000 }, modelScore: { enabled: true, keepFraction: 0.5 } } }));
    for (const dir of [single(), merged()]) expect((await runCli(['filter', '--data-dir', dir, '--config', config])).code).toBe(0);
    expect(keptPairs(merged())).toEqual(keptPairs(single()));
    expect(keptPairs(single())).toHaveLength(32);
    const stats = async (dir: string) => JSON.parse((await runCli(['stats', '--data-dir', dir, '--json'])).stdout).modelScores;
    const [s1, s2] = [await stats(single()), await stats(merged())];
    expect(s2.histogram).toEqual(s1.histogram);
    expect(s2.scored).toBe(64);
    expect(s2.threshold).toBeCloseTo(s1.threshold, 5);
  });

  test('3 index partitions (one killed and resumed), gathered: search gives one index run\'s results', async () => {
    // The shards again in 10 smaller shards, so the 3 partitions (by shard file name) each get some.
    const all: WdsSample[] = [];
    for (const f of readdirSync(t.shards).filter((n) => n.endsWith('.tar')).sort()) {
      for await (const s of readShard(join(t.shards, f), emptyCounts())) {
        all.push({ key: s.key, members: { jpg: s.image, txt: s.caption, ...(s.json ? { json: s.json } : {}) } });
      }
    }
    const shards = join(tmp.dir, 'many');
    writeShards(shards, { train: all }, { samplesPerShard: 67 });
    const one = join(tmp.dir, 'one', 'index.sqlite');
    const run = await openRun(t.run, makeContext(tmp.dir), 'wasm');
    const index = join(tmp.dir, 'parts', 'index.sqlite');
    let killedAdded = 0;
    try {
      expect(await runIndex(run, { shards, indexPath: one }, makeContext(tmp.dir))).toMatchObject({ shards: 10, added: 664 });
      const controller = new AbortController();
      const partition = resolvePartition(undefined, undefined, sourceOf(1).env);
      const killed = await runIndex(stoppingEncoder(run, controller, 2), { shards, indexPath: join(tmp.dir, 'parts', 'index-parts', 'part-0001-of-0003.sqlite'), batchSize: 20, partition }, makeContext(tmp.dir, { signal: controller.signal }));
      killedAdded = killed.added;
      expect(killedAdded).toBe(40);
    } finally {
      run.dispose();
    }
    const parts: { added: number; total: number; shards: number }[] = [];
    for (let i = 0; i < N; i++) {
      const { env, flags } = sourceOf(i);
      const r = await cliWith(env, ['index', '--run', t.run, '--shards', shards, '--index', index, ...flags, '--batch-size', '20', '--data-dir', tmp.dir, '--config', t.config, '--json']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`index: partition ${i}/${N} (from ${['--partition', 'SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX'][i]})`);
      parts.push(JSON.parse(r.stdout));
    }
    expect(parts[1]!.added).toBe(parts[1]!.total - killedAdded);
    expect(parts.reduce((a, p) => a + p.total, 0)).toBe(664);
    expect(parts.reduce((a, p) => a + p.shards, 0)).toBe(10);
    expect(parts.filter((p) => p.total > 0).length).toBeGreaterThan(1);
    expect(existsSync(index)).toBe(false);

    const files = readdirSync(join(tmp.dir, 'parts', 'index-parts')).filter((f) => f.endsWith('.sqlite')).sort().map((f) => join(tmp.dir, 'parts', 'index-parts', f));
    expect(files).toHaveLength(3);
    const gathered = await runCli(['merge', '--index', '--into', index, ...files, '--json']);
    expect(gathered.code).toBe(0);
    expect(JSON.parse(gathered.stdout)).toMatchObject({ parts: 3, shards: 10, added: 664, total: 664 });
    expect(JSON.parse((await runCli(['merge', '--index', '--into', index, ...files, '--json'])).stdout)).toMatchObject({ added: 0, total: 664 });

    // The same samples under the same ids as one index run's.
    const samplesOf = (path: string): unknown[] => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare('SELECT id, key, shard, caption FROM samples ORDER BY id').all();
      } finally {
        db.close();
      }
    };
    expect(samplesOf(index)).toEqual(samplesOf(one));
    const queries = join(tmp.dir, 'queries.txt');
    writeFileSync(queries, t.valSamples.slice(0, 20).map((s) => s.caption).join('\n') + '\n');
    for (const to of ['image', 'caption']) {
      const search = (path: string) => runCli(['search', '--run', t.run, '--index', path, '--queries', queries, '--k', '8', '--to', to, '--json', ...t.common]);
      const [a, b] = [await search(one), await search(index)];
      expect(b.code).toBe(0);
      expect(b.stdout.trim().split('\n')).toHaveLength(20);
      expect(b.stdout).toEqual(a.stdout);
    }
    // A plain index run over the gathered index finds every shard done.
    const rerun = await runCli(['index', '--run', t.run, '--shards', shards, '--index', index, '--json', ...t.common]);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ shardsUnchanged: 10, added: 0, total: 664 });
  });
});
