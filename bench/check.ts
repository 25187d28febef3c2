/**
 * `check` throughput against a bare tar read of the same shards, in the same run.
 *
 *   npx tsx bench/check.ts [--count 100000] [--rounds 2] [--concurrency N]
 *
 * Shards: `--count` samples (tiny 24-40 px JPEGs, 400 distinct images under unique captions and
 * keys, 10,000 samples a shard, with sizes.json), made once and cached under the OS temp dir.
 * Contenders, each in its own child process so its peak RSS is its own:
 * - bare: tar-stream reads every member of every shard, nothing else;
 * - bare+decode: the same, and every image decoded to pixels by sharp (same concurrency window);
 * - check-nodecode: runCheck with `check.decodeImages` off (tar structure, captions, hashes, uniqueness, sizes.json);
 * - check: runCheck as the CLI runs it (every gate, images decoded).
 * Rounds alternate the contenders so machine load hits all alike; each one's best round counts.
 * Prints samples/s, the ratios check / bare+decode (goal >= 0.5) and check-nodecode / bare, and
 * peak RSS (memory should not grow with --count: compare two counts).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import tar from 'tar-stream';
import { ConfigSchema } from '../src/config/schema.js';
import { runCheck } from '../src/stages/check/index.js';
import { TarWriter, encodeTarMembers } from '../src/webdataset/tar.js';
import { makeContext } from '../src/util/context.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const count = flag('count', 100_000);
const rounds = flag('rounds', 2);
const concurrency = flag('concurrency', availableParallelism() * 2);
const PER_SHARD = 10_000;
const work = join(tmpdir(), `align-bench-check-${count}`);
const shardsDir = join(work, 'shards');
const CONTENDERS = ['bare', 'bare+decode', 'check-nodecode', 'check'] as const;

if (args.includes('--phase')) await runPhase(args[args.indexOf('--phase') + 1]!);
else runAll();

function runAll(): void {
  if (!existsSync(join(work, 'ready'))) {
    console.log(`making ${count} samples in ${shardsDir} (once) ...`);
    child('prepare');
  }
  const best: Record<string, { seconds: number; rssKB: number }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of CONTENDERS) {
      const r = child(name);
      const prev = best[name];
      best[name] = { seconds: Math.min(prev?.seconds ?? Infinity, r.seconds), rssKB: Math.max(prev?.rssKB ?? 0, r.rssKB) };
      console.log(`round ${round + 1} ${name.padEnd(14)} ${(count / r.seconds).toFixed(0)} samples/s  peak RSS ${(r.rssKB / 1024).toFixed(0)} MB`);
    }
  }
  console.log(`\n${count} samples in ${Math.ceil(count / PER_SHARD)} shards, concurrency ${concurrency}, ${availableParallelism()} cores, best of ${rounds}`);
  for (const [name, r] of Object.entries(best)) {
    console.log(`${name.padEnd(14)} ${(count / r.seconds).toFixed(0)} samples/s  peak RSS ${(r.rssKB / 1024).toFixed(0)} MB`);
  }
  const ratio = (a: string, b: string): string => (best[b]!.seconds / best[a]!.seconds).toFixed(2);
  console.log(`ratio check / bare+decode: ${ratio('check', 'bare+decode')} (goal >= 0.5)`);
  console.log(`ratio check-nodecode / bare: ${ratio('check-nodecode', 'bare')}`);
}

function child(name: string): { seconds: number; rssKB: number } {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [...process.execArgv, script, ...args, '--phase', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; rssKB: number };
}

async function runPhase(name: string): Promise<void> {
  const start = process.hrtime.bigint();
  if (name === 'prepare') await prepare();
  else if (name === 'bare') await bareRead(false);
  else if (name === 'bare+decode') await bareRead(true);
  else await check(name === 'check');
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ seconds, rssKB: process.resourceUsage().maxRSS }));
}

async function bareRead(decode: boolean): Promise<void> {
  let samples = 0;
  const inflight: Promise<unknown>[] = [];
  for (const f of readdirSync(shardsDir).filter((n) => n.endsWith('.tar')).sort()) {
    const extract = tar.extract();
    createReadStream(join(shardsDir, f)).pipe(extract);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (!entry.header.name.endsWith('.jpg')) continue;
      samples += 1;
      if (!decode) continue;
      inflight.push(sharp(Buffer.concat(chunks)).raw().toBuffer());
      if (inflight.length >= concurrency) await inflight.shift();
    }
  }
  await Promise.all(inflight);
  if (samples !== count) throw new Error(`read ${samples} of ${count}`);
}

async function check(decodeImages: boolean): Promise<void> {
  const config = ConfigSchema.parse({ check: { decodeImages, concurrency } });
  const summary = await runCheck(config, makeContext(work), { shards: shardsDir });
  if (summary.samples !== count || !summary.passed) throw new Error(`check: ${summary.samples} samples, failed ${summary.failed.join(', ')}`);
}

/** Shards of tiny JPEGs: 400 distinct images, every caption and key unique. */
async function prepare(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(shardsDir, { recursive: true });
  const images: Buffer[] = [];
  for (let i = 0; i < 400; i++) {
    const side = 24 + (i % 17);
    const background = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 };
    images.push(await sharp({ create: { width: side, height: side + (i % 5), channels: 3, background } }).jpeg({ quality: 80 }).toBuffer());
  }
  const sizes: Record<string, number> = {};
  for (let shard = 0; shard * PER_SHARD < count; shard++) {
    const name = `bench-${String(shard).padStart(6, '0')}.tar`;
    const writer = new TarWriter(join(shardsDir, name));
    const n = Math.min(PER_SHARD, count - shard * PER_SHARD);
    for (let i = 0; i < n; i++) {
      const key = `${String(shard).padStart(6, '0')}_${String(i).padStart(5, '0')}`;
      const caption = `tiny picture ${shard * PER_SHARD + i} of a coloured square`;
      writer.write(encodeTarMembers([
        { name: `${key}.jpg`, data: images[(shard * PER_SHARD + i) % images.length]! },
        { name: `${key}.txt`, data: Buffer.from(caption) },
      ]));
    }
    writer.finish();
    sizes[name] = n;
  }
  writeFileSync(join(shardsDir, 'sizes.json'), JSON.stringify(sizes));
  writeFileSync(join(work, 'ready'), '');
}
