/**
 * A disk that fills up under filter, shard and a training checkpoint: the built CLI runs in a
 * child process under a real file-size limit (`ulimit -f`, with SIGXFSZ ignored so a write past it
 * fails with EFBIG, as a full disk fails with ENOSPC), and shard on a real 3 MB tmpfs filled
 * up (root only: skipped, saying why, where mount is refused). Each run must exit 1 with E_IO /
 * E_STORE naming the path and the free space, leave no partial file, and leave a store that opens
 * with consistent rows; the same command with room to write then completes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { ROOT, makeTempDir } from '../helpers/paths.js';
import { addFixturePairs } from '../stages/shard/fixture-store.js';
import { StoreBuilder } from '../stages/filter/make-store.js';
import { writeTinyShards } from '../stages/train/fixtures.js';

const BIN = join(ROOT, 'bin', 'align-data.js');

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** The CLI under a file-size limit in KiB (null: none). */
function runLimited(args: string[], limitKiB: number | null): Promise<Result> {
  const script = limitKiB === null ? 'exec "$@"' : `ulimit -f ${limitKiB} && trap '' XFSZ && exec "$@"`;
  const proc = spawn('bash', ['-c', script, 'bash', process.execPath, BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

/** Every file under dir (relative paths), for "nothing partial was left". */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

function readRows<T>(dataDir: string, sql: string): T[] {
  const db = new Database(join(dataDir, 'align.db'), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** A photo-like image that JPEG cannot shrink much: random noise. */
async function noiseImage(seed: number, size = 320): Promise<Buffer> {
  const pixels = Buffer.alloc(size * size * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < pixels.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    pixels[i] = x >>> 24;
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

/** A real small file system (tmpfs) where the sandbox lets root mount one; null, or why not. */
function mountTmpfs(dir: string, size: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    return why.split('\n')[0] ?? 'unknown';
  }
}

describe('a full disk under the CLI', () => {
  const tmp = makeTempDir('align-full-disk-');
  const mountPoint = join(tmp.dir, 'tmpfs');
  const mountRefused = mountTmpfs(mountPoint, '3m');
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('build the CLI first: npm run build');
  });
  afterAll(() => {
    if (mountRefused === null) execFileSync('umount', [mountPoint]);
    tmp.cleanup();
  });

  test('shard: E_IO naming the shard file and the free space, no .partial, no shard row; then it completes', async () => {
    const dataDir = join(tmp.dir, 'shard');
    const pairs = await Promise.all(Array.from({ length: 24 }, async (_, i) => ({ image: await noiseImage(i), alt: `a field of static number ${i}` })));
    await addFixturePairs(dataDir, pairs);
    const storeKiB = Math.ceil(statSync(join(dataDir, 'align.db')).size / 1024);
    // The store fits under the limit; one shard of 24 noisy 256-px JPEGs does not.
    const r = await runLimited(['shard', '--data-dir', dataDir], storeKiB + 256);
    expect(r.stderr).toMatch(/error E_IO: cannot write \S+\/shards\/train-000000\.tar\.partial: EFBIG/);
    expect(r.stderr).toMatch(/hint: [\d.]+ [kMGT]?B free of [\d.]+ [kMGT]?B on the file system of \//);
    expect(r.stderr).not.toContain('this is a bug');
    expect(r.code).toBe(1);
    expect(filesUnder(join(dataDir, 'shards')).filter((f) => f.includes('partial'))).toEqual([]);
    expect(readRows(dataDir, 'SELECT name FROM shards')).toEqual([]);
    expect(readRows(dataDir, 'SELECT pair_id FROM shard_samples')).toEqual([]);

    const again = await runLimited(['shard', '--data-dir', dataDir], null);
    expect(again.code).toBe(0);
    const shards = readRows<{ name: string; bytes: number; samples: number }>(dataDir, 'SELECT name, bytes, samples FROM shards');
    expect(shards.reduce((n, s) => n + s.samples, 0)).toBe(24);
    for (const s of shards) expect(statSync(join(dataDir, 'shards', s.name)).size).toBe(s.bytes);
  });

  test('filter: E_STORE naming the store and the free space; the decisions stay as they were', async () => {
    const dataDir = join(tmp.dir, 'filter');
    const s = new StoreBuilder(dataDir);
    for (let i = 0; i < 4000; i++) s.simplePair(`a long and winding caption about picture number ${i} of a very large collection`);
    s.close();
    // 4,000 decisions (and the temp tables) need more than 32 KiB in any one file.
    const r = await runLimited(['filter', '--data-dir', dataDir], 32);
    expect(r.stderr).toMatch(/error E_STORE: SQLite failed on the store \S+\/filter\/align\.db \(or its temporary files\): SQLITE_/);
    expect(r.stderr).toMatch(/hint: [\d.]+ [kMGT]?B free of .* on the file system of \//);
    expect(r.stderr).not.toContain('this is a bug');
    expect(r.code).toBe(1);
    expect(readRows(dataDir, 'SELECT count(*) AS n FROM decisions')).toEqual([{ n: 0 }]);
    expect(readRows(dataDir, 'SELECT count(*) AS n FROM filter_runs WHERE finished_at IS NOT NULL')).toEqual([{ n: 0 }]);

    const again = await runLimited(['filter', '--data-dir', dataDir], null);
    expect(again.code).toBe(0);
    expect(readRows(dataDir, 'SELECT count(*) AS n FROM decisions')).toEqual([{ n: 4000 }]);
  });

  test('train: a checkpoint that does not fit is E_IO naming it; no .partial checkpoint, latest.json untouched', async () => {
    const shards = await writeTinyShards(join(tmp.dir, 'train-shards'));
    const out = join(tmp.dir, 'run');
    const config = join(tmp.dir, 'train.json');
    writeFileSync(config, JSON.stringify({ train: { backend: 'wasm', batchSize: 8, shuffleBuffer: 16, model: { preset: 'tiny', resolution: 32, textHidden: 32, textLayers: 1, textHeads: 2 } } }));
    const args = ['train', '--config', config, '--shards', shards.train, '--out', out, '--steps', '2', '--data-dir', tmp.dir];
    // run.json, vocab.txt and metrics.jsonl fit in 64 KiB; weights.bin does not.
    const r = await runLimited(args, 64);
    expect(r.stderr).toMatch(/error E_IO: cannot write \S+\/checkpoints\/step-000002\.partial\/weights\.bin: EFBIG/);
    expect(r.stderr).toMatch(/hint: [\d.]+ [kMGT]?B free of/);
    expect(r.stderr).toContain('--resume');
    expect(r.code).toBe(1);
    expect(existsSync(join(out, 'vocab.txt'))).toBe(true);
    expect(filesUnder(out).filter((f) => f.includes('partial'))).toEqual([]);
    expect(existsSync(join(out, 'latest.json'))).toBe(false);

    const again = await runLimited([...args, '--resume'], null);
    expect(again.code).toBe(0);
    expect(readdirSync(join(out, 'checkpoints'))).toEqual(['step-000002']);
  });

  if (mountRefused !== null) {
    test.skip(`shard on a full tmpfs: skipped, mount refused (${mountRefused})`, () => undefined);
  } else {
    test('shard on a full tmpfs: ENOSPC is E_IO naming the shard and the free space; no .partial; then it completes', async () => {
      const dataDir = join(mountPoint, 'data');
      const pairs = await Promise.all(Array.from({ length: 16 }, async (_, i) => ({ image: await noiseImage(100 + i, 200), alt: `a field of static number ${i}` })));
      await addFixturePairs(dataDir, pairs);
      // Leave about 200 kB: room for the store's writes, not for a shard of 16 noisy JPEGs.
      const fs = statfsSync(mountPoint);
      const filler = join(mountPoint, 'filler');
      writeFileSync(filler, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - 200_000)));
      const r = await runLimited(['shard', '--data-dir', dataDir], null);
      expect(r.stderr).toMatch(/error E_IO: cannot write \S+\/shards\/train-000000\.tar\.partial: ENOSPC/);
      expect(r.stderr).toMatch(/hint: [\d.]+ k?B free of 3\.1 MB on the file system of \//);
      expect(r.code).toBe(1);
      expect(filesUnder(join(dataDir, 'shards')).filter((f) => f.includes('partial'))).toEqual([]);
      expect(readRows(dataDir, 'SELECT name FROM shards')).toEqual([]);

      rmSync(filler);
      const again = await runLimited(['shard', '--data-dir', dataDir], null);
      expect(again.code).toBe(0);
      const shards = readRows<{ name: string; bytes: number; samples: number }>(dataDir, 'SELECT name, bytes, samples FROM shards');
      expect(shards.reduce((n, s) => n + s.samples, 0)).toBe(16);
      for (const s of shards) expect(statSync(join(dataDir, 'shards', s.name)).size).toBe(s.bytes);
    });
  }
});
