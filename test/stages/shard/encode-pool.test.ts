import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import Database from 'better-sqlite3';
import { storePath } from '../../../src/store/db.js';
import { join } from 'node:path';
import { encodeImage, withEncoderSetup } from '../../../src/stages/shard/encode.js';
import { EncoderPool } from '../../../src/stages/shard/encode-pool.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { addFixturePairs } from './fixture-store.js';
import { awkwardImagesFixture, corpusImage } from './fixtures.js';

const OPTIONS = { resizeMode: 'shorter-side', imageSize: 128, resizeOnlyIfBigger: false, jpegQuality: 90, encoder: 'native' } as const;
const IMAGES = ['Landscape_5.jpg', 'Channel_digital_image_CMYK_color.jpg', 'embedgravitybird.png', '4.webp', 'concert.jpg'].map(corpusImage);

/** This process's children that are shard encoder processes (Linux /proc). */
function encoderChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('encode-worker')) pids.push(Number(name));
    } catch {
      // gone already
    }
  }
  return pids;
}

/** Kills the process an image is handed to, the first `times` times it is handed out. */
function killOn(victim: string, times: number): (path: string, pid: number) => void {
  let left = times;
  return (path, pid) => {
    if (path === victim && left-- > 0) process.kill(pid, 'SIGKILL');
  };
}

describe('shard: the encoder processes', () => {
  test('encode every kind of image byte for byte as the encoder does in this process, and report their memory', async () => {
    const environ: string[][] = [];
    const pool = new EncoderPool({ processes: 2, options: OPTIONS, onDispatch: (_, pid) => environ.push(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) });
    const results = await Promise.all(IMAGES.map((f) => pool.encode(f)));
    const stats = await pool.close();
    // glibc's malloc held to two arenas in the processes, unless the user chose.
    expect(environ.length).toBe(IMAGES.length);
    for (const env of environ) expect(env).toContain(`MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '2'}`);
    const here = await withEncoderSetup(() => Promise.all(IMAGES.map((f) => encodeImage(f, OPTIONS))));
    expect(results).toHaveLength(IMAGES.length);
    results.forEach((r, i) => {
      const h = here[i]!;
      if (!r.ok || !h.ok) throw new Error(`${IMAGES[i]}: not encoded`);
      expect(Buffer.isBuffer(r.data)).toBe(true);
      expect([r.width, r.height]).toEqual([h.width, h.height]);
      expect(r.data.equals(h.data)).toBe(true);
    });
    expect(stats.processes).toBe(2);
    expect(stats.crashes).toBe(0);
    // Two Node processes with sharp loaded: tens of MB each, not zero and not gigabytes.
    expect(stats.peakRssKB).toBeGreaterThan(2 * 20_000);
    expect(stats.peakRssKB).toBeLessThan(2 * 1_000_000);
  });

  test('a process is replaced by a fresh one after its share of images, and the bytes do not change', async () => {
    const pool = new EncoderPool({ processes: 1, options: OPTIONS, imagesPerProcess: 2 });
    const pids = new Set<number>();
    const recycled = new EncoderPool({ processes: 1, options: OPTIONS, imagesPerProcess: 2, onDispatch: (_, pid) => pids.add(pid) });
    const images = [...IMAGES, ...IMAGES.slice(0, 2)];
    const fresh = await Promise.all(images.map((f) => recycled.encode(f)));
    const stats = await recycled.close();
    const once = await Promise.all(images.map((f) => pool.encode(f)));
    await pool.close();
    // 7 images, 2 a process: 4 processes in turn, 3 replacements, none a crash.
    expect(pids.size).toBe(4);
    expect(stats).toMatchObject({ processes: 1, crashes: 0, replaced: 3 });
    expect(stats.peakRssKB).toBeGreaterThan(20_000);
    fresh.forEach((r, i) => {
      const o = once[i]!;
      if (!r.ok || !o.ok) throw new Error(`${images[i]}: not encoded`);
      expect(r.data.equals(o.data)).toBe(true);
    });
  });

  test('a bad or missing file is a result with its reason, as in this process', async () => {
    const pool = new EncoderPool({ processes: 1, options: OPTIONS });
    const [truncated, missing] = await Promise.all([pool.encode(corpusImage('corrupt-header.jpg')), pool.encode('/nonexistent/image.jpg')]);
    await pool.close();
    expect(truncated).toMatchObject({ ok: false, reason: 'decode_failed' });
    expect(missing).toMatchObject({ ok: false, reason: 'missing_file' });
  });

  test('a process that dies on an image is replaced and the image tried again: nothing is lost', async () => {
    const victim = IMAGES[2]!;
    const crashes: string[] = [];
    const pool = new EncoderPool({ processes: 2, options: OPTIONS, onDispatch: killOn(victim, 1), onCrash: (m) => crashes.push(m) });
    // The victim alone first, so it is the image its process is working on when killed.
    const first = await pool.encode(victim);
    const rest = await Promise.all(IMAGES.map((f) => pool.encode(f)));
    const stats = await pool.close();
    const expected = await withEncoderSetup(() => encodeImage(victim, OPTIONS));
    if (!first.ok || !expected.ok) throw new Error('not encoded');
    expect(first.data.equals(expected.data)).toBe(true);
    expect(rest.every((r) => r.ok)).toBe(true);
    expect(stats.crashes).toBe(1);
    expect(crashes).toEqual([expect.stringMatching(/encoder process died \(signal SIGKILL\) on .*embedgravitybird\.png; trying it again/)]);
  });

  test('an image that kills two processes is skipped with reason encoder_crashed, and the others are encoded', async () => {
    const victim = IMAGES[0]!;
    const pool = new EncoderPool({ processes: 1, options: OPTIONS, onDispatch: killOn(victim, 2) });
    const skipped = await pool.encode(victim);
    const rest = await Promise.all(IMAGES.slice(1).map((f) => pool.encode(f)));
    const stats = await pool.close();
    expect(skipped).toEqual({ ok: false, reason: 'encoder_crashed', detail: 'the encoder process died on this image 2 times (last: signal SIGKILL)' });
    expect(rest.every((r) => r.ok)).toBe(true);
    expect(stats.crashes).toBe(2);
  });

  test('processes that cannot start stop the run with a clear error instead of retrying for ever', async () => {
    const saved = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${saved ?? ''} --require /nonexistent/preload.cjs`;
    try {
      const pool = new EncoderPool({ processes: 1, options: OPTIONS });
      await expect(pool.encode(IMAGES[0]!)).rejects.toMatchObject({ code: 'E_RUNTIME', message: expect.stringContaining('could not start') });
      await expect(pool.encode(IMAGES[1]!)).rejects.toMatchObject({ code: 'E_RUNTIME' });
      await pool.close();
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
  });

  describe('the shard command', () => {
    const tmp = makeTempDir();
    afterAll(() => tmp.cleanup());

    test('--concurrency N runs N encoder processes (default one per core)', async () => {
      await addFixturePairs(tmp.dir, awkwardImagesFixture().slice(0, 4));
      const three = await runCli(['shard', '--data-dir', tmp.dir, '--val-fraction', '0', '--concurrency', '3', '--json']);
      expect(three.code).toBe(0);
      expect(JSON.parse(three.stdout)).toMatchObject({ samplesWritten: 4, encoders: { processes: 3, crashes: 0 } });
      const byDefault = await runCli(['shard', '--data-dir', tmp.dir, '--val-fraction', '0', '--rebuild', '--json']);
      expect(byDefault.code).toBe(0);
      expect(JSON.parse(byDefault.stdout)).toMatchObject({ samplesWritten: 4, encoders: { processes: availableParallelism() } });
    });

    test('an encoder process killed during the run is replaced: every sample is still written, none recorded as failed', async () => {
      const dir = join(tmp.dir, 'killed');
      await addFixturePairs(dir, awkwardImagesFixture());
      let killed = 0;
      const hunter = setInterval(() => {
        const pid = encoderChildren()[0];
        if (pid !== undefined && killed === 0) {
          process.kill(pid, 'SIGKILL');
          killed += 1;
        }
      }, 2);
      const r = await runCli(['shard', '--data-dir', dir, '--val-fraction', '0', '--concurrency', '1', '--json']).finally(() => clearInterval(hunter));
      expect(killed).toBe(1);
      expect(r.code).toBe(0);
      // The fixture's 12 good samples; its two broken files are failures of their own.
      expect(JSON.parse(r.stdout)).toMatchObject({ samplesWritten: 12, failed: { decode_failed: 2, missing_file: 1 } });
      const db = new Database(storePath(dir), { readonly: true });
      try {
        expect(db.prepare(`SELECT COUNT(*) AS n FROM shard_failures WHERE reason = 'encoder_crashed'`).get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    });
  });
});
