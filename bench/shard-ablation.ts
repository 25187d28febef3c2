/**
 * Which change to shard's encoder bought what: each step of the encode path, and the
 * alternatives tried and left out, timed on the same images in alternating rounds, with the
 * quality of each against float references (bench/shard-quality.py) and the bytes it stores.
 *
 *   npx tsx bench/shard-ablation.ts [--images 500] [--rounds 3] [--quality-images 50] [--dir PATH]
 *
 * Uses the images bench/shard.ts made (run it once first; same --dir). Every step runs in its
 * own child process, `--concurrency` images at once (default one per core), so its CPU time
 * (user + system, all threads) is its own. OpenCV (bench/opencv-resize.py) is the reference row.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { encodeImage } from '../src/stages/shard/encode.js';

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
interface Step { name: string; what: string; setup?: () => void; encode: Encode }

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
  const r = await encodeImage(file, { resizeMode: 'shorter-side', imageSize: S, resizeOnlyIfBigger: false, jpegQuality: Q });
  if (!r.ok) throw new Error(r.detail);
  return r.data;
};
/** What withEncoderSetup (encode.ts) does around runShard's encoding. */
const encoderSetup = (): void => {
  sharp.concurrency(1);
  sharp.cache(false);
};

const STEPS: Step[] = [
  { name: 'before', what: 'before: sharp defaults (shrink-on-load leaves the kernel < 2x, Huffman optimised)', encode: before() },
  { name: 'shrink2', what: '+ kernel always gets >= 2x after shrink-on-load (fastShrinkOnLoad: false)', encode: before({ fastShrinkOnLoad: false }) },
  { name: 'plainjpeg', what: '+ encoder as libjpeg/OpenCV default (no Huffman optimisation, 4:2:0)', encode: before({ fastShrinkOnLoad: false, jpeg: plain }) },
  { name: 'final', what: '+ one libvips thread per image, no op cache (= align-data shard now)', setup: encoderSetup, encode: final },
  { name: 'x-fast', what: 'not taken: final but sharp\'s default shrink-on-load', setup: encoderSetup, encode: before({ jpeg: plain }) },
  { name: 'x-mks2021', what: 'not taken: final with kernel mks2021', setup: encoderSetup, encode: before({ fastShrinkOnLoad: false, kernel: 'mks2021', jpeg: plain }) },
  { name: 'x-lanczos2', what: 'not taken: final with kernel lanczos2', setup: encoderSetup, encode: before({ fastShrinkOnLoad: false, kernel: 'lanczos2', jpeg: plain }) },
  { name: 'x-cubic', what: 'not taken: final with kernel cubic', setup: encoderSetup, encode: before({ fastShrinkOnLoad: false, kernel: 'cubic', jpeg: plain }) },
  { name: 'x-2threads', what: 'not taken: final with 2 libvips threads per image', setup: () => sharp.concurrency(2), encode: final },
  { name: 'x-buffer', what: 'not taken: final, file read into a Buffer by node first', setup: encoderSetup, encode: async (f) => final(readFileSync(f) as unknown as string) },
];

interface Run { seconds: number; cpuSeconds: number; bytes: number }

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
      best[name] = { seconds: Math.min(prev?.seconds ?? Infinity, r.seconds), cpuSeconds: Math.min(prev?.cpuSeconds ?? Infinity, r.cpuSeconds), bytes: r.bytes };
    }
    console.log(`round ${round + 1} of ${rounds} done`);
  }
  for (const name of names) {
    if (name === 'opencv') spawnSync('/usr/bin/python3', [join(here, 'opencv-resize.py'), imagesDir, '--out', join(work, 'ablation', name), '--only', String(qualityImages)], { stdio: 'inherit' });
    else child(`${name}:quality`);
  }
  const q = spawnSync('/usr/bin/python3', [join(here, 'shard-quality.py'), imagesDir, ...names.map((n) => `${n}=${join(work, 'ablation', n)}`)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const scores = JSON.parse(q.stdout) as Record<string, Record<string, number>>;
  console.log(`\n${images} images, concurrency ${concurrency}, ${availableParallelism()} cores, best of ${rounds}; quality over ${qualityImages} images (Lanczos-3 / area references)`);
  console.log('| step | images/s | images/CPU-s | SSIM L3 | PSNR L3 | SSIM area | PSNR area | bytes/image |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const name of names) {
    const r = best[name]!;
    const s = scores[name]!;
    const what = STEPS.find((x) => x.name === name)?.what ?? 'reference: OpenCV (img2dataset resizer), worker processes';
    console.log(`| ${what} | ${(images / r.seconds).toFixed(1)} | ${(images / r.cpuSeconds).toFixed(1)} | ${s.ssimLanczos!.toFixed(5)} | ${s.psnrLanczos!.toFixed(2)} | ${s.ssimArea!.toFixed(5)} | ${s.psnrArea!.toFixed(2)} | ${Math.round(r.bytes / images)} |`);
  }
}

function child(name: string): Run {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--phase', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
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
  if (mode === 'quality') {
    const out = join(work, 'ablation', name!);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    for (const f of files.slice(0, qualityImages)) writeFileSync(join(out, f), await step.encode(join(imagesDir, f)));
    console.log(JSON.stringify({ seconds: 0, cpuSeconds: 0, bytes: 0 }));
    return;
  }
  const queue = new PQueue({ concurrency });
  let bytes = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (const f of files.slice(0, images)) {
    await queue.onSizeLessThan(concurrency * 4);
    void queue.add(async () => {
      const out = await step.encode(join(imagesDir, f));
      bytes += out.length;
    });
  }
  await queue.onIdle();
  if (bytes === 0) throw new Error(`${name}: nothing encoded`);
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (used.user + used.system) / 1e6, bytes }));
}
