/**
 * Which change to shard's encoder bought what: each step of the encode path, and the
 * alternatives tried and left out, timed on the same images in alternating rounds, with the
 * quality of each against float references (bench/shard-quality.py) and the bytes it stores.
 *
 *   npx tsx bench/shard-ablation.ts [--images 500] [--rounds 3] [--quality-images 50] [--dir PATH]
 *
 * Uses the images bench/shard.ts made (run it once first; same --dir; it also builds dist/, whose
 * encoder processes the `processes` and `arenas` rows run). Every step runs in its
 * own child process, `--concurrency` images at once (default one per core; the in-flight rows
 * change that), with the libuv thread pool the CLI launcher sets, so its CPU time (user + system,
 * all threads) is its own; cores busy = CPU seconds / wall seconds. OpenCV
 * (bench/opencv-resize.py, one worker process per core) is the reference row. The two `icc` rows
 * encode copies of the same images that carry an embedded sRGB ICC profile, as many camera and
 * web JPEGs do (made once; not scored for quality, the copies being re-encoded).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import { encodeImage, MIN_RESIDUAL, setUpEncoder } from '../src/stages/shard/encode.js';
import { isSrgbProfile, jpegIccProfile } from '../src/stages/shard/icc.js';
import { type Encoder, loadNativeEncoder } from '../src/stages/shard/native.js';
import { sizeThreadpool } from '../src/util/threadpool.js';
import { childCpuSeconds } from './child-cpu.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const images = Number(option('images') ?? 500);
const rounds = Number(option('rounds') ?? 3);
const qualityImages = Number(option('quality-images') ?? 50);
const concurrency = Number(option('concurrency') ?? availableParallelism());
const work = join(option('dir') ?? tmpdir(), 'align-bench-shard-2000');
const imagesDir = join(work, 'src');
const here = fileURLToPath(new URL('.', import.meta.url));
const S = 256;
const Q = 90;

type Encode = (file: string) => Promise<Buffer>;
/** A step run by shard's encoder processes (dist/, built): `arenas` is MALLOC_ARENA_MAX for them. */
interface PoolStep { arenas: string; encoder: Encoder }
interface Step { name: string; what: string; setup?: () => void; encode: Encode; perCore?: number; icc?: boolean; pool?: PoolStep }

/** The encoder before this work, with its knobs, so each step changes one thing. */
function before(o: { fastShrinkOnLoad?: boolean; kernel?: keyof sharp.KernelEnum; jpeg?: sharp.JpegOptions } = {}): Encode {
  return (file) => sharp(file, { pages: 1, failOn: 'warning' })
    .rotate()
    .resize({ width: S, height: S, fit: 'outside', kernel: o.kernel ?? 'lanczos3', fastShrinkOnLoad: o.fastShrinkOnLoad ?? true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .jpeg({ quality: Q, ...o.jpeg })
    .toBuffer();
}
const plain: sharp.JpegOptions = { chromaSubsampling: '4:2:0', optimiseCoding: false, mozjpeg: false };
const final: Encode = async (file) => {
  const r = await encodeImage(file, { resizeMode: 'shorter-side', imageSize: S, resizeOnlyIfBigger: false, jpegQuality: Q, encoder: 'sharp' });
  if (!r.ok) throw new Error(r.detail);
  return r.data;
};
/** The stored image's size (shard has it from the store; here from a probe made before timing). */
const dims = new Map<string, { width: number; height: number }>();
/** sharp's JPEG shrink-on-load for a shrink factor x (node_modules/sharp/src/pipeline.cc). */
function sharpShrink(x: number, fast: boolean): number {
  const f = fast ? 1 : 2;
  let s = x >= 8 * f ? 8 : x >= 4 * f ? 4 : x >= 2 * f ? 2 : 1;
  if (s > 1 && Math.floor(x) === s) s /= 2;
  return s;
}
/**
 * Shrink-on-load that leaves the kernel at least `gap`: the largest of 1/2/4/8 with x / s >= gap,
 * got by choosing fastShrinkOnLoad per image (for gap 1.5 one of sharp's two rules always gives it).
 */
const shrinkLeaving = (gap: number): Encode => (file) => {
  const d = dims.get(file)!;
  const x = Math.min(d.width, d.height) / S;
  const want = [1, 2, 4, 8].filter((s) => x / s >= gap).at(-1) ?? 1;
  return before({ fastShrinkOnLoad: sharpShrink(x, true) === want && sharpShrink(x, false) !== want, jpeg: plain })(file);
};
/**
 * The native encoder (native/encode.c) called directly, leaving the kernel `residual` of the
 * shrinking. It is synchronous: run in the bench's process it uses one core, so compare these
 * rows by images/CPU-s.
 */
const nativeLeaving = (residual: number): Encode => async (file) => {
  const n = loadNativeEncoder();
  if (!('encoder' in n)) throw new Error(n.error);
  const bytes = await readFile(file);
  const icc = jpegIccProfile(bytes);
  const out = n.encoder.encode(bytes, S, false, Q, icc !== null && isSrgbProfile(icc), residual);
  if (!out) throw new Error(`${file}: not taken by the native encoder`);
  return out.data;
};
/** What each of shard's encoder processes does first (encode.ts). */
const encoderSetup = setUpEncoder;

const STEPS: Step[] = [
  { name: 'before', what: 'before: sharp defaults (shrink-on-load leaves the kernel < 2x, Huffman optimised)', encode: before() },
  { name: 'shrink2', what: '+ kernel always gets >= 2x after shrink-on-load (fastShrinkOnLoad: false)', encode: before({ fastShrinkOnLoad: false }) },
  { name: 'plainjpeg', what: '+ encoder as libjpeg/OpenCV default (no Huffman optimisation, 4:2:0)', encode: before({ fastShrinkOnLoad: false, jpeg: plain }) },
  { name: 'final', what: '+ one libvips thread per image, no op cache (= shard\'s sharp encoder), one image in flight per core', setup: encoderSetup, encode: final },
  { name: 'inflight2', what: '+ two images in flight per core (one process: shard before the encoder processes)', setup: encoderSetup, encode: final, perCore: 2 },
  { name: 'processes', what: '+ one encoder process per core instead, one image at a time each, two handed to each (glibc\'s default malloc arenas)', setup: encoderSetup, encode: final, pool: { arenas: String(8 * availableParallelism()), encoder: 'sharp' } },
  { name: 'arenas', what: '+ malloc held to two arenas in each encoder process (= shard.encoder sharp)', setup: encoderSetup, encode: final, pool: { arenas: '2', encoder: 'sharp' } },
  { name: 'native', what: `+ the native encoder: decode at 1/2-1/8 leaving Lanczos-3 >= ${MIN_RESIDUAL}x, resize at the exact scale (= align-data shard now)`, setup: encoderSetup, encode: nativeLeaving(MIN_RESIDUAL), pool: { arenas: '2', encoder: 'native' } },
  { name: 'n-inproc', what: `the native encoder as shard runs it (>= ${MIN_RESIDUAL}x), called in one process: one core`, setup: encoderSetup, encode: nativeLeaving(MIN_RESIDUAL) },
  { name: 'x-native1', what: 'not taken: the native encoder leaving the kernel >= 1x (the largest decode scale), one core', setup: encoderSetup, encode: nativeLeaving(1) },
  { name: 'x-native125', what: 'not taken: the native encoder leaving the kernel >= 1.25x, one core', setup: encoderSetup, encode: nativeLeaving(1.25) },
  { name: 'x-native2', what: 'not taken: the native encoder leaving the kernel >= 2x, one core', setup: encoderSetup, encode: nativeLeaving(2) },
  { name: 'x-nativefull', what: 'not taken: the native encoder with no scaled decode (exact scale, full decode), one core', setup: encoderSetup, encode: nativeLeaving(Infinity) },
  { name: 'x-shrink15', what: 'not taken: final with shrink-on-load leaving the kernel >= 1.5x', setup: encoderSetup, encode: shrinkLeaving(1.5) },
  { name: 'x-noshrink', what: 'not taken: final with no shrink-on-load at all (full decode)', setup: encoderSetup, encode: (f) => sharp(f, { pages: 1, failOn: 'warning' }).pipelineColourspace('srgb').rotate().resize({ width: S, height: S, fit: 'outside', kernel: 'lanczos3' }).flatten({ background: '#ffffff' }).toColourspace('srgb').jpeg({ quality: Q, ...plain }).toBuffer() },
  { name: 'x-nocolour', what: 'not taken: final without rotate/flatten/toColourspace (wrong for EXIF-rotated, alpha, CMYK, 16-bit)', setup: encoderSetup, encode: (f) => sharp(f).resize({ width: S, height: S, fit: 'outside', kernel: 'lanczos3', fastShrinkOnLoad: false }).jpeg({ quality: Q, ...plain }).toBuffer() },
  { name: 'icc-before', what: 'sRGB-tagged copies, before: sharp transforms them with lcms at full size (final\'s pipeline)', setup: encoderSetup, encode: before({ fastShrinkOnLoad: false, jpeg: plain }), icc: true },
  { name: 'icc', what: 'sRGB-tagged copies: + an sRGB profile is recognised and the transform skipped (= shard\'s encoder)', setup: encoderSetup, encode: final, icc: true },
  { name: 'x-fast', what: 'not taken: final but sharp\'s default shrink-on-load', setup: encoderSetup, encode: before({ jpeg: plain }) },
  { name: 'x-mks2021', what: 'not taken: final with kernel mks2021', setup: encoderSetup, encode: before({ fastShrinkOnLoad: false, kernel: 'mks2021', jpeg: plain }) },
  { name: 'x-lanczos2', what: 'not taken: final with kernel lanczos2', setup: encoderSetup, encode: before({ fastShrinkOnLoad: false, kernel: 'lanczos2', jpeg: plain }) },
  { name: 'x-cubic', what: 'not taken: final with kernel cubic', setup: encoderSetup, encode: before({ fastShrinkOnLoad: false, kernel: 'cubic', jpeg: plain }) },
  { name: 'x-2threads', what: 'not taken: final with 2 libvips threads per image', setup: () => sharp.concurrency(2), encode: final },
  { name: 'x-path', what: 'not taken: final with sharp opening the file itself (shard reads it once into a Buffer, for the ICC check)', setup: encoderSetup, encode: before({ fastShrinkOnLoad: false, jpeg: plain }) },
];

interface Run { seconds: number; cpuSeconds: number; bytes: number; busy?: number }

if (args.includes('--phase')) await phase(option('phase')!);
else main();

function main(): void {
  if (!existsSync(join(work, 'ready'))) throw new Error(`no images in ${work}: run \`npm run bench:shard\` first (same --dir)`);
  const names = [...STEPS.map((s) => s.name), 'opencv'];
  const best: Record<string, Run> = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of names.map((_, i) => names[(i + round) % names.length]!)) {
      const r = name === 'opencv' ? openCv() : child(name);
      const prev = best[name];
      // Cores busy: of the fastest round by wall clock.
      const busy = r.seconds < (prev?.seconds ?? Infinity) ? r.cpuSeconds / r.seconds : prev!.busy;
      best[name] = { seconds: Math.min(prev?.seconds ?? Infinity, r.seconds), cpuSeconds: Math.min(prev?.cpuSeconds ?? Infinity, r.cpuSeconds), bytes: r.bytes, busy };
    }
    console.log(`round ${round + 1} of ${rounds} done`);
  }
  for (const name of names) {
    if (STEPS.find((x) => x.name === name)?.icc) continue;
    if (name === 'opencv') spawnSync('/usr/bin/python3', [join(here, 'opencv-resize.py'), imagesDir, '--out', join(work, 'ablation', name), '--only', String(qualityImages)], { stdio: 'inherit' });
    else child(`${name}:quality`);
  }
  const scored = names.filter((n) => !STEPS.find((x) => x.name === n)?.icc);
  const q = spawnSync('/usr/bin/python3', [join(here, 'shard-quality.py'), imagesDir, ...scored.map((n) => `${n}=${join(work, 'ablation', n)}`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const scores = JSON.parse(q.stdout) as Record<string, Record<string, number>>;
  console.log(`\n${images} images, concurrency ${concurrency}, ${availableParallelism()} cores, best of ${rounds}; quality over ${qualityImages} images (Lanczos-3 / area references)`);
  console.log('| step | images/s | images/CPU-s | cores busy | SSIM L3 | PSNR L3 | SSIM area | PSNR area | bytes/image |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const name of names) {
    const r = best[name]!;
    const s = scores[name];
    const what = STEPS.find((x) => x.name === name)?.what ?? 'reference: OpenCV (img2dataset resizer), one worker process per core';
    const q = s ? `${s.ssimLanczos!.toFixed(5)} | ${s.psnrLanczos!.toFixed(2)} | ${s.ssimArea!.toFixed(5)} | ${s.psnrArea!.toFixed(2)}` : '- | - | - | -';
    console.log(`| ${what} | ${(images / r.seconds).toFixed(1)} | ${(images / r.cpuSeconds).toFixed(1)} | ${(r.busy ?? 0).toFixed(2)} | ${q} | ${Math.round(r.bytes / images)} |`);
  }
}

function child(name: string): Run {
  const env = { ...process.env };
  sizeThreadpool(env); // as bin/align-data.js: enough libuv threads for two images per core
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--phase', name], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${name} failed (${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Run;
}

function openCv(): Run {
  const r = spawnSync('/usr/bin/python3', [join(here, 'opencv-resize.py'), imagesDir, '--workers', String(concurrency), '--limit', String(images)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('opencv failed');
  const out = JSON.parse(r.stdout) as Run & { bytes?: number };
  return { ...out, bytes: out.bytes ?? 0 };
}

async function phase(spec: string): Promise<void> {
  const [name, mode] = spec.split(':');
  const step = STEPS.find((s) => s.name === name)!;
  step.setup?.();
  const files = readdirSync(imagesDir).filter((f) => f.endsWith('.jpg')).sort();
  for (const f of files.slice(0, Math.max(images, qualityImages))) {
    const m = await sharp(join(imagesDir, f)).metadata();
    dims.set(join(imagesDir, f), { width: m.width!, height: m.height! });
  }
  const dir = step.icc ? await iccCopies(files.slice(0, images)) : imagesDir;
  if (mode === 'quality') {
    const out = join(work, 'ablation', name!);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    for (const f of files.slice(0, qualityImages)) writeFileSync(join(out, f), await step.encode(join(imagesDir, f)));
    console.log(JSON.stringify({ seconds: 0, cpuSeconds: 0, bytes: 0 }));
    return;
  }
  if (step.pool) return poolPhase(step.pool, dir, files.slice(0, images));
  const inFlight = concurrency * (step.perCore ?? 1);
  const queue = new PQueue({ concurrency: inFlight });
  let bytes = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (const f of files.slice(0, images)) {
    await queue.onSizeLessThan(inFlight * 4);
    void queue.add(async () => {
      const out = await step.encode(join(dir, f));
      bytes += out.length;
    });
  }
  await queue.onIdle();
  if (bytes === 0) throw new Error(`${name}: nothing encoded`);
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (used.user + used.system) / 1e6, bytes }));
}

/** shard's encoder processes (the built EncoderPool), their start included; CPU time is theirs and this process's. */
async function poolPhase(pool: PoolStep, dir: string, files: string[]): Promise<void> {
  const built = join(here, '..', 'dist', 'src', 'stages', 'shard', 'encode-pool.js');
  if (!existsSync(built)) throw new Error(`no ${built}: run \`npm run build\` first`);
  const { EncoderPool } = (await import(pathToFileURL(built).href)) as typeof import('../src/stages/shard/encode-pool.js');
  process.env.MALLOC_ARENA_MAX = pool.arenas;
  const cpu = process.cpuUsage();
  const children = childCpuSeconds();
  const start = process.hrtime.bigint();
  const encoders = new EncoderPool({ processes: concurrency, options: { resizeMode: 'shorter-side', imageSize: S, resizeOnlyIfBigger: false, jpegQuality: Q, encoder: pool.encoder } });
  const results = await Promise.all(files.map((f) => encoders.encode(join(dir, f))));
  await encoders.close();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const bytes = results.reduce((n, r) => n + (r.ok ? r.data.length : 0), 0);
  if (bytes === 0) throw new Error('nothing encoded');
  console.log(JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6 + childCpuSeconds() - children, bytes }));
}

/** Copies of the images that carry an embedded sRGB ICC profile, as many camera and web JPEGs do (made once). */
async function iccCopies(files: string[]): Promise<string> {
  const dir = join(work, 'ablation-icc');
  const ready = join(dir, `ready-${files.length}`);
  if (existsSync(ready)) return dir;
  mkdirSync(dir, { recursive: true });
  for (const f of files) await sharp(join(imagesDir, f)).withIccProfile('srgb').jpeg({ quality: 90 }).toFile(join(dir, f));
  writeFileSync(ready, 'ok\n');
  return dir;
}
