/**
 * `align-data shard` against a bare sharp loop and img2dataset's OpenCV resize path, on the same
 * images in the same run, for speed and for image quality.
 *
 *   npm run bench:shard -- [--count 2000] [--small] [--rounds 3] [--concurrency N]
 *                          [--contenders bare,shard,shard-sharp,opencv] [--quality-images 100] [--dir PATH]
 *
 * Images: distinct JPEGs cut from the corpus's real photographs at random sizes (500-1500 px a
 * side; 300-600 with --small), made once and cached under --dir (default: the OS temp dir).
 * Contenders, each in its own child process so its CPU time and peak RSS are its own:
 * - bare: sharp(file).resize(shorter side 256).jpeg(quality 90).toBuffer() with sharp's defaults,
 *   one image per core at once (the loop a user would write first);
 * - shard: runShard as built (dist/, in plain node: bench/shard-phase.mjs, so its memory is the
 *   CLI's) over a store holding one kept pair per image (reads the store, encodes, writes tar
 *   shards, records them), `--rebuild` each round, with its default concurrency and
 *   the libuv thread pool the CLI launcher sets (util/threadpool.ts); its encoder is `auto` (the
 *   native encoder where `npm run build` built it; the report says which ran);
 * - shard-sharp: the same with `shard.encoder: sharp` (sharp alone, as before the native encoder);
 * - opencv: bench/opencv-resize.py, img2dataset's resizer (cv2.imdecode, INTER_AREA, imencode
 *   quality 90, one OpenCV thread per worker) in one worker process per core, run by
 *   Debian's /usr/bin/python3 with python3-opencv (installed with apt-get when missing and
 *   possible, else skipped with a note).
 * `--concurrency N` sets all three to N images (worker processes) at once instead.
 * Rounds alternate the contenders (the order rotates) so machine load hits all alike; each
 * contender's best round counts. Prints wall-clock images/s and images/s per core (the cores the workers can use),
 * images per CPU-second (user + system of the process and its threads or workers: less
 * sensitive to other load on the machine), the ratios shard/bare and shard/opencv, and peak RSS.
 * Quality: each contender's output for the first --quality-images images against a float
 * downscale of the full original (bench/shard-quality.py): SSIM of the luma and PSNR of RGB,
 * against an antialiased Lanczos-3 reference and an exact area-average reference.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { type ShardConfig, ShardConfigSchema } from '../src/config/shard.js';
import { encodeImage, withEncoderSetup } from '../src/stages/shard/encode.js';
import { resolveEncoder } from '../src/stages/shard/native.js';
import { sizeThreadpool } from '../src/util/threadpool.js';
import { addFixturePairs } from '../src/store/fixture-pairs.js';
import { corpusDir } from '../src/util/corpus.js';
import { childCpuSeconds } from './child-cpu.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const flag = (name: string, fallback: number): number => Number(option(name) ?? fallback);
const count = flag('count', 2000);
const small = args.includes('--small');
const rounds = flag('rounds', 3);
const cores = availableParallelism();
const explicit = option('concurrency') === undefined ? null : Number(option('concurrency'));
/** Images (OpenCV: worker processes) at once: bare and OpenCV one per core, shard its default. */
const concurrency = explicit ?? cores;
const qualityImages = flag('quality-images', 100);
const contenders = (option('contenders') ?? 'bare,shard,shard-sharp,opencv').split(',');
const work = join(option('dir') ?? tmpdir(), `align-bench-shard-${count}${small ? '-small' : ''}`);
const imagesDir = join(work, 'src');
const dataDir = join(work, 'data');
const PYTHON = '/usr/bin/python3';
const SIZE = 256;
const QUALITY = 90;
const here = fileURLToPath(new URL('.', import.meta.url));

interface Run { seconds: number; cpuSeconds: number; rssKB: number; encoder?: string }

if (args.includes('--phase')) await runPhase(option('phase')!);
else await runAll();

async function runAll(): Promise<void> {
  if (!existsSync(join(work, 'ready'))) {
    console.log(`making ${count} images in ${work} (once) ...`);
    nodeChild('prepare');
  }
  const names = contenders.filter((n) => n !== 'opencv' || openCvReady());
  const best: Record<string, Run> = {};
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of order) {
      const r = name === 'opencv' ? openCvChild() : nodeChild(name);
      const prev = best[name];
      best[name] = {
        seconds: Math.min(prev?.seconds ?? Infinity, r.seconds),
        cpuSeconds: Math.min(prev?.cpuSeconds ?? Infinity, r.cpuSeconds),
        rssKB: Math.max(prev?.rssKB ?? 0, r.rssKB),
        encoder: r.encoder,
      };
      console.log(`round ${round + 1} ${name.padEnd(6)} ${(count / r.seconds).toFixed(1)} images/s  ${(count / r.cpuSeconds).toFixed(1)} images/CPU-s  peak RSS ${(r.rssKB / 1024).toFixed(0)} MB`);
    }
  }
  report(best);
  if (qualityImages > 0) quality(names);
}

function report(best: Record<string, Run>): void {
  const inFlight = explicit === null ? `shard its default (${cores} encoder processes), bare ${concurrency}, OpenCV ${concurrency} worker processes` : `${explicit} (OpenCV: ${explicit} worker processes)`;
  console.log(`\n${count} images (${small ? '300-600' : '500-1500'} px) -> shorter side ${SIZE}, JPEG q${QUALITY}; at once: ${inFlight}; ${cores} cores, best of ${rounds}`);
  console.log(`${'contender'.padEnd(11)} ${'images/s'.padStart(9)} ${'per core'.padStart(9)} ${'images/CPU-s'.padStart(13)} ${'peak RSS'.padStart(9)}`);
  // Per core: the cores the contenders can use (more images or workers than cores share them).
  const usable = Math.min(explicit ?? cores, cores);
  for (const [name, r] of Object.entries(best)) {
    const rate = count / r.seconds;
    console.log(`${name.padEnd(11)} ${rate.toFixed(1).padStart(9)} ${(rate / usable).toFixed(1).padStart(9)} ${(count / r.cpuSeconds).toFixed(1).padStart(13)} ${`${(r.rssKB / 1024).toFixed(0)} MB`.padStart(9)}${r.encoder ? `  encoder ${r.encoder}` : ''}`);
  }
  const ratio = (a: string, b: string): void => {
    if (!best[a] || !best[b]) return;
    const wall = best[b]!.seconds / best[a]!.seconds;
    const cpu = best[b]!.cpuSeconds / best[a]!.cpuSeconds;
    console.log(`ratio ${a} / ${b}: ${wall.toFixed(2)} per core (wall clock), ${cpu.toFixed(2)} per CPU-second`);
  };
  ratio('shard', 'bare');
  ratio('shard', 'shard-sharp');
  ratio('shard', 'opencv');
  ratio('shard-sharp', 'opencv');
  console.log('goals: shard / opencv >= 1.2 per core; shard peak RSS < 400 MB at 20,000 images (--count 20000 --contenders shard)');
}

function nodeChild(name: string): Run {
  const script = fileURLToPath(import.meta.url);
  // shard runs with the thread pool bin/align-data.js gives the CLI; bare with node's default.
  const env = { ...process.env };
  if (name === 'shard' || name === 'shard-sharp') sizeThreadpool(env);
  // shard: plain node over dist/ (bench/shard-phase.mjs), so its memory is the CLI's, not tsx's.
  const argv = name === 'shard' || name === 'shard-sharp'
    ? [join(here, 'shard-phase.mjs'), dataDir, name === 'shard' ? 'auto' : 'sharp', String(SIZE), String(QUALITY), explicit === null ? '' : String(explicit)]
    : [...process.execArgv, script, ...args, '--phase', name];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stdout}`);
  const run = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Run & { samples?: number };
  if (run.samples !== undefined && run.samples !== count) throw new Error(`${name} wrote ${run.samples} of ${count}`);
  return run;
}

function openCvChild(): Run {
  const r = spawnSync(PYTHON, [join(here, 'opencv-resize.py'), imagesDir, '--workers', String(concurrency), '--size', String(SIZE), '--quality', String(QUALITY)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`opencv failed (${r.status}): ${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Run;
}

/** Debian's python3-opencv for /usr/bin/python3; installed when missing and apt-get can. */
function openCvReady(): boolean {
  const probe = (): boolean => spawnSync(PYTHON, ['-c', 'import cv2, numpy'], { stdio: 'ignore' }).status === 0;
  if (probe()) return true;
  console.log('python3-opencv is missing for /usr/bin/python3: trying apt-get install -y python3-opencv ...');
  const apt = spawnSync('apt-get', ['install', '-y', 'python3-opencv'], { stdio: 'inherit' });
  if (apt.status === 0 && probe()) return true;
  console.log('NOTE: OpenCV contender skipped: /usr/bin/python3 cannot import cv2 and apt-get could not install python3-opencv');
  return false;
}

/** Each contender's output for the first images, scored against float references of the originals. */
function quality(names: string[]): void {
  const dirs = names.map((name) => [name, join(work, 'quality', name)] as const);
  for (const [name, dir] of dirs) {
    rmSync(dir, { recursive: true, force: true });
    if (name === 'opencv') {
      const r = spawnSync(PYTHON, [join(here, 'opencv-resize.py'), imagesDir, '--out', dir, '--only', String(qualityImages), '--size', String(SIZE), '--quality', String(QUALITY)], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error('opencv quality outputs failed');
    } else nodeChild(`quality-${name}`);
  }
  const r = spawnSync(PYTHON, [join(here, 'shard-quality.py'), imagesDir, ...dirs.map(([n, d]) => `${n}=${d}`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) {
    console.log('NOTE: quality skipped: bench/shard-quality.py needs /usr/bin/python3 with cv2 and numpy');
    return;
  }
  const scores = JSON.parse(r.stdout) as Record<string, Record<string, number>>;
  const images = Object.values(scores)[0]?.images ?? 0;
  console.log(`\nquality over the first ${images} images, against a float downscale of the full original (higher is better)`);
  console.log(`${'contender'.padEnd(11)} ${'SSIM Lanczos-3'.padStart(15)} ${'PSNR Lanczos-3'.padStart(15)} ${'SSIM area'.padStart(10)} ${'PSNR area'.padStart(10)}`);
  for (const [name, s] of Object.entries(scores)) {
    console.log(`${name.padEnd(11)} ${s.ssimLanczos!.toFixed(5).padStart(15)} ${`${s.psnrLanczos!.toFixed(2)} dB`.padStart(15)} ${s.ssimArea!.toFixed(5).padStart(10)} ${`${s.psnrArea!.toFixed(2)} dB`.padStart(10)}`);
  }
}

async function runPhase(name: string): Promise<void> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const children = childCpuSeconds();
  if (name === 'prepare') await prepare();
  else if (name === 'bare') await bare();
  else if (name.startsWith('quality-')) await qualityOutputs(name.slice('quality-'.length));
  else throw new Error(`no phase ${name}`);
  const used = process.cpuUsage(cpu);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuSeconds = (used.user + used.system) / 1e6 + childCpuSeconds() - children;
  console.log(JSON.stringify({ seconds, cpuSeconds, rssKB: process.resourceUsage().maxRSS }));
}

function bareEncode(file: string): Promise<Buffer> {
  return sharp(file).resize({ width: SIZE, height: SIZE, fit: 'outside' }).jpeg({ quality: QUALITY }).toBuffer();
}

function shardConfig(encoder: ShardConfig['encoder']): ShardConfig {
  return ShardConfigSchema.parse({ imageSize: SIZE, jpegQuality: QUALITY, concurrency: explicit, encoder });
}

async function bare(): Promise<void> {
  const files = readdirSync(imagesDir).sort();
  const queue = new PQueue({ concurrency });
  let bytes = 0;
  for (const f of files) {
    await queue.onSizeLessThan(concurrency * 4);
    void queue.add(async () => {
      const out = await bareEncode(join(imagesDir, f));
      bytes += out.length;
    });
  }
  await queue.onIdle();
  if (bytes === 0) throw new Error('nothing encoded');
}

/** The bytes a contender stores for the first images: shard's are encodeImage's with the stage's options. */
async function qualityOutputs(name: string): Promise<void> {
  const out = join(work, 'quality', name);
  mkdirSync(out, { recursive: true });
  const c = shardConfig(name === 'shard-sharp' ? 'sharp' : 'auto');
  const { encoder } = await resolveEncoder(c.encoder);
  for (const f of readdirSync(imagesDir).sort().slice(0, qualityImages)) {
    const file = join(imagesDir, f);
    if (name === 'bare') writeFileSync(join(out, f), await bareEncode(file));
    else {
      const r = await withEncoderSetup(() => encodeImage(file, { ...c, encoder }));
      if (!r.ok) throw new Error(`${f}: ${r.detail}`);
      writeFileSync(join(out, f), r.data);
    }
  }
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
