/**
 * Shard writer throughput against a bare sharp loop over the same images in the same run.
 *
 *   npx tsx bench/shard.ts [--count 2000] [--small] [--rounds 2] [--concurrency N]
 *
 * Images: distinct JPEGs cut from the corpus's real photographs at random sizes (500-1500 px a
 * side; 300-600 with --small), made once and cached under the OS temp dir. Contenders, each in
 * its own child process so its peak RSS is its own:
 * - bare: sharp(file).resize(shorter side 256).jpeg(quality 90).toBuffer(), same concurrency;
 * - shard: runShard over a store holding one kept pair per image (reads the store, encodes with
 *   rotate/flatten/sRGB, writes tar shards, records them), `--rebuild` each round.
 * Rounds alternate the contenders so machine load hits both alike; each contender's best round
 * counts. Prints images/s, images/s per core, the ratio shard / bare (goal >= 0.8) and peak RSS
 * (goal < 400 MB at 20,000 images).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { ShardConfigSchema } from '../src/config/shard.js';
import { runShard } from '../src/stages/shard/index.js';
import { makeContext } from '../src/util/context.js';
import { addFixturePairs } from '../src/store/fixture-pairs.js';
import { corpusDir } from '../src/util/corpus.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const count = flag('count', 2000);
const small = args.includes('--small');
const rounds = flag('rounds', 2);
const concurrency = flag('concurrency', availableParallelism());
const phase = args.includes('--phase') ? args[args.indexOf('--phase') + 1] : undefined;
const work = join(tmpdir(), `align-bench-shard-${count}${small ? '-small' : ''}`);
const imagesDir = join(work, 'src');
const dataDir = join(work, 'data');
const SIZE = 256;
const QUALITY = 90;

if (args.includes('--phase')) await runPhase(phase!);
else await runAll();

async function runAll(): Promise<void> {
  if (!existsSync(join(work, 'ready'))) {
    console.log(`making ${count} images in ${work} (once) ...`);
    child('prepare');
  }
  const best: Record<string, { seconds: number; rssKB: number }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of ['bare', 'shard']) {
      const r = child(name);
      const prev = best[name];
      best[name] = { seconds: Math.min(prev?.seconds ?? Infinity, r.seconds), rssKB: Math.max(prev?.rssKB ?? 0, r.rssKB) };
      console.log(`round ${round + 1} ${name.padEnd(5)} ${(count / r.seconds).toFixed(1)} images/s  peak RSS ${(r.rssKB / 1024).toFixed(0)} MB`);
    }
  }
  console.log(`\n${count} images (${small ? '300-600' : '500-1500'} px), concurrency ${concurrency}, ${availableParallelism()} cores, best of ${rounds}`);
  for (const [name, r] of Object.entries(best)) {
    const rate = count / r.seconds;
    console.log(`${name.padEnd(5)} ${rate.toFixed(1)} images/s  ${(rate / concurrency).toFixed(1)} images/s per core  peak RSS ${(r.rssKB / 1024).toFixed(0)} MB`);
  }
  console.log(`ratio shard / bare: ${(best.bare!.seconds / best.shard!.seconds).toFixed(2)} (goal >= 0.8)`);
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
  else if (name === 'bare') await bare();
  else await shard();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ seconds, rssKB: process.resourceUsage().maxRSS }));
}

async function bare(): Promise<void> {
  const files = readdirSync(imagesDir).sort();
  const queue = new PQueue({ concurrency });
  let bytes = 0;
  for (const f of files) {
    await queue.onSizeLessThan(concurrency * 4);
    void queue.add(async () => {
      const out = await sharp(join(imagesDir, f)).resize({ width: SIZE, height: SIZE, fit: 'outside' }).jpeg({ quality: QUALITY }).toBuffer();
      bytes += out.length;
    });
  }
  await queue.onIdle();
  if (bytes === 0) throw new Error('nothing encoded');
}

async function shard(): Promise<void> {
  const config = ShardConfigSchema.parse({ imageSize: SIZE, jpegQuality: QUALITY, concurrency });
  const summary = await runShard(config, makeContext(dataDir), { rebuild: true });
  if (summary.samplesWritten !== count) throw new Error(`wrote ${summary.samplesWritten} of ${count}`);
}

/** Distinct JPEGs cut at random from the corpus photographs, and a store with one kept pair each. */
async function prepare(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(imagesDir, { recursive: true });
  const names = ['Aqua.jpg', 'Dune.jpg', 'FreshFlower.jpg', 'Garden.jpg', 'GreenMeadow.jpg', 'LadyBird.jpg', 'Storm.jpg', 'TwoWings.jpg', 'Wood.jpg', 'YellowFlower.jpg', 'flowers.jpeg', '2569067123_aca715a2ee_o.jpg'];
  const sources = [];
  for (const n of names) {
    const { data, info } = await sharp(join(corpusDir(), 'images', n)).rotate().raw().toBuffer({ resolveWithObject: true });
    sources.push({ data, width: info.width, height: info.height });
  }
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const [lo, hi] = small ? [300, 600] : [500, 1500];
  const queue = new PQueue({ concurrency: availableParallelism() });
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length]!;
    const w = Math.min(src.width, Math.floor(lo + rnd() * (hi - lo)));
    const h = Math.min(src.height, Math.floor(lo + rnd() * (hi - lo)));
    const left = Math.floor(rnd() * (src.width - w + 1));
    const top = Math.floor(rnd() * (src.height - h + 1));
    await queue.onSizeLessThan(8);
    void queue.add(async () => {
      const jpeg = await sharp(src.data, { raw: { width: src.width, height: src.height, channels: 3 } })
        .extract({ left, top, width: w, height: h })
        .jpeg({ quality: 85 + (i % 8) })
        .toBuffer();
      writeFileSync(join(imagesDir, `${String(i).padStart(6, '0')}.jpg`), jpeg);
    });
  }
  await queue.onIdle();
  const files = readdirSync(imagesDir).sort();
  for (let i = 0; i < files.length; i += 500) {
    await addFixturePairs(dataDir, files.slice(i, i + 500).map((f, k) => ({ image: join(imagesDir, f), alt: `bench photo number ${i + k} cut from a corpus picture` })));
  }
  writeFileSync(join(work, 'ready'), 'ok\n');
}
