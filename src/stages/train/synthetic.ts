/**
 * A synthetic captioned dataset, like open_clip's `synthetic`: small images of one to three
 * coloured shapes on a coloured background, drawn with sharp from SVG, captioned the way alt
 * text would be ("two red circles and a blue square on a white background"). Deterministic for
 * a seed, so a benchmark or a test can show that training learns without any download.
 */
import sharp from 'sharp';
import { Rng } from '../../util/rng.js';
import type { WdsSample } from '../../webdataset/split-writer.js';
import { type WrittenSplit, writeShards } from '../../webdataset/write-shards.js';

const COLOURS: Record<string, string> = {
  red: '#d62728',
  green: '#2ca02c',
  blue: '#1f77b4',
  yellow: '#f2d600',
  orange: '#ff7f0e',
  purple: '#8e44ad',
  pink: '#ff69b4',
  black: '#151515',
  white: '#f4f4f4',
  gray: '#8a8a8a',
};
const SHAPE_COLOURS = ['red', 'green', 'blue', 'yellow', 'orange', 'purple', 'pink', 'black'];
const BACKGROUNDS = ['white', 'gray', 'black', 'yellow', 'blue', 'green', 'pink', 'orange'];
const SHAPES = ['circle', 'square', 'triangle'] as const;
const COUNT_WORDS = ['', 'a', 'two', 'three'];

type Shape = (typeof SHAPES)[number];

export interface ShapeSample {
  caption: string;
  svg: string;
}

/** One scene: its caption and SVG. */
export function drawScene(rng: Rng, size: number): ShapeSample {
  const background = BACKGROUNDS[rng.int(BACKGROUNDS.length)] as string;
  const count = 1 + rng.int(3);
  const items: { colour: string; shape: Shape }[] = [];
  for (let i = 0; i < count; i++) {
    const choices = SHAPE_COLOURS.filter((c) => c !== background);
    items.push({ colour: choices[rng.int(choices.length)] as string, shape: SHAPES[rng.int(SHAPES.length)] as Shape });
  }
  const cells = rng.shuffle([0, 1, 2, 3]).slice(0, count);
  const half = size / 2;
  const body = items
    .map((item, i) => {
      const cell = cells[i] as number;
      const r = size * (0.14 + 0.06 * rng.next());
      const cx = (cell % 2) * half + r + rng.next() * (half - 2 * r);
      const cy = Math.floor(cell / 2) * half + r + rng.next() * (half - 2 * r);
      return shapeSvg(item.shape, cx, cy, r, COLOURS[item.colour] as string);
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="${COLOURS[background]}"/>${body}</svg>`;
  return { caption: `${describeItems(items)} on a ${background} background`, svg };
}

function shapeSvg(shape: Shape, cx: number, cy: number, r: number, fill: string): string {
  const f = (n: number): string => n.toFixed(1);
  if (shape === 'circle') return `<circle cx="${f(cx)}" cy="${f(cy)}" r="${f(r)}" fill="${fill}"/>`;
  if (shape === 'square') return `<rect x="${f(cx - r * 0.85)}" y="${f(cy - r * 0.85)}" width="${f(r * 1.7)}" height="${f(r * 1.7)}" fill="${fill}"/>`;
  const points = [0, 1, 2].map((k) => {
    const a = -Math.PI / 2 + (k * 2 * Math.PI) / 3;
    return `${f(cx + r * Math.cos(a))},${f(cy + r * 1.05 * Math.sin(a) + r * 0.15)}`;
  });
  return `<polygon points="${points.join(' ')}" fill="${fill}"/>`;
}

/** "two red circles and a blue square": like items grouped, in order of first appearance. */
function describeItems(items: { colour: string; shape: Shape }[]): string {
  const groups = new Map<string, number>();
  for (const item of items) groups.set(`${item.colour} ${item.shape}`, (groups.get(`${item.colour} ${item.shape}`) ?? 0) + 1);
  const phrases = [...groups.entries()].map(([what, n]) => {
    const count = n === 1 && /^[aeiou]/.test(what) ? 'an' : COUNT_WORDS[n];
    return `${count} ${what}${n > 1 ? 's' : ''}`;
  });
  return phrases.length === 1 ? (phrases[0] as string) : `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1]}`;
}

export interface SyntheticOptions {
  /** Where the shards go. */
  dir: string;
  /** Training samples. @default 2000 */
  train?: number;
  /** Held-out samples, written as `val-*.tar`. @default 200 */
  val?: number;
  /** Image side in px. @default 64 */
  size?: number;
  /** Samples per shard. @default 500 */
  perShard?: number;
  /** @default 0 */
  seed?: number;
}

/** Writes `train-*.tar` and `val-*.tar` (with sizes.json and manifests) of synthetic shapes. */
export async function writeSyntheticShards(options: SyntheticOptions): Promise<{ train: WrittenSplit; val: WrittenSplit | null }> {
  const rng = new Rng(options.seed ?? 0);
  const size = options.size ?? 64;
  const perShard = options.perShard ?? 500;
  const train = await renderSamples(rng.fork(1), options.train ?? 2000, size);
  const val = await renderSamples(rng.fork(2), options.val ?? 200, size);
  const written = writeShards(options.dir, { train, val }, { samplesPerShard: perShard });
  return { train: written.train!, val: written.val };
}

async function renderSamples(rng: Rng, count: number, size: number): Promise<WdsSample[]> {
  const scenes = Array.from({ length: count }, () => drawScene(rng, size));
  const out: WdsSample[] = [];
  for (let start = 0; start < count; start += 32) {
    const chunk = scenes.slice(start, start + 32);
    const jpgs = await Promise.all(chunk.map((s) => sharp(Buffer.from(s.svg)).jpeg({ quality: 90 }).toBuffer()));
    chunk.forEach((scene, i) => {
      const jpg = jpgs[i] as Buffer;
      out.push({ members: (key) => ({ jpg, txt: scene.caption, json: JSON.stringify({ key, caption: scene.caption, width: size, height: size }) }) });
    });
  }
  return out;
}
