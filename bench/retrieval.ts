/**
 * Retrieval: index build, search latency, the fast mode's recall, zero-shot classification.
 *
 *   npx tsx bench/retrieval.ts [--parts index,search,classify] [--sizes 10000,100000,1000000]
 *                              [--base-max 100000] [--queries 20] [--candidates 200] [--steps 200]
 *
 * - index: synthetic shards (64 px), a `tiny` run (two training steps: speed does not depend on
 *   the weights) on wasm, `align-data index` through the stage: embeddings/s (images + captions)
 *   and peak RSS.
 * - search: unit vectors at the dimension of the `tiny` (320) and `base` (1280) presets, clustered
 *   as real embeddings are (1,000 centres plus noise) and generated in chunks of 10,000; queries
 *   are perturbed stored vectors. Per size: exact sqlite-vec KNN (`MATCH ? AND k = ?`) against a
 *   bare Float32Array dot-product loop over the same vectors in the same process (the ratio is the
 *   headline), and the fast mode (bit[] hamming first pass of --candidates, rescored exactly):
 *   its recall@10 against exact and its speed-up. `base` stops at --base-max (1M × 1280 floats is
 *   5 GB of vectors in memory plus 5 GB of index on disk).
 * - classify: a tiny 32 px run trained --steps steps on 600 synthetic scenes (the retrieval tests'
 *   optimiser settings), then zero-shot classification of 200 held-out scenes by background colour
 *   (11 classes, chance 9.1%): one template against an ensemble of the captions' forms, and the
 *   shipped default and imagenet sets.
 *
 * Ratios are measured side by side in one run; the machine may be shared, so absolute times are
 * noisy. Nothing is asserted.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runIndex } from '../src/stages/retrieval/build-index.js';
import { loadTemplates, runClassify } from '../src/stages/retrieval/classify.js';
import { openRun } from '../src/stages/train/index.js';
import { COLOURS } from '../src/synthetic/scenes.js';
import { writeSyntheticShards } from '../src/synthetic/shards.js';
import { main } from '../src/cli/main.js';
import { VectorIndex } from '../src/store/vector-index.js';
import { makeContext } from '../src/util/context.js';
import { Rng } from '../src/util/rng.js';

const { values: args } = parseArgs({
  options: {
    parts: { type: 'string', default: 'index,search,classify' },
    sizes: { type: 'string', default: '10000,100000,1000000' },
    'base-max': { type: 'string', default: '100000' },
    queries: { type: 'string', default: '20' },
    candidates: { type: 'string', default: '200' },
    steps: { type: 'string', default: '200' },
  },
});
const root = join(import.meta.dirname, 'out', 'retrieval');
const parts = new Set(args.parts.split(','));
const rss = (): string => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`;
const silent = { stdout: { write: () => true }, stderr: { write: () => true, isTTY: false } };

async function train(dir: string, shards: string, steps: number, model: Record<string, unknown>): Promise<string> {
  const config = join(dir, 'config.json');
  // The settings of the retrieval tests' trained run (test/stages/retrieval/trained-run.ts).
  writeFileSync(config, JSON.stringify({ train: { model, shuffleBuffer: 64, optimizer: { warmupSteps: 20, learningRate: 0.005 } } }));
  const run = join(dir, 'run');
  const code = await main(['train', '--shards', shards, '--out', run, '--steps', String(steps), '--batch-size', '32', '--backend', 'wasm', '--seed', '3', '--data-dir', dir, '--config', config], silent);
  if (code !== 0) throw new Error(`train exited ${code}`);
  return run;
}

async function benchIndex(): Promise<void> {
  const dir = join(root, 'index');
  rmSync(dir, { recursive: true, force: true });
  const written = await writeSyntheticShards({ dir: join(dir, 'shards'), train: 1000, val: 0, size: 64, perShard: 500, seed: 2 });
  const run = await openRun(await train(dir, written.train.pattern, 2, { preset: 'tiny' }), makeContext(dir), 'wasm');
  try {
    const s = await runIndex(run, { shards: join(dir, 'shards'), indexPath: join(dir, 'index.sqlite') }, makeContext(dir));
    console.log(`index build (tiny, 64 px, wasm): ${s.added} samples, ${2 * s.added} embeddings in ${s.seconds.toFixed(1)} s = ${s.embeddingsPerSecond.toFixed(0)} embeddings/s; peak RSS ${rss()}`);
  } finally {
    run.dispose();
  }
}

/** `count` clustered unit vectors, made chunk by chunk from one seed (the same every call). */
function* clusteredChunks(count: number, dim: number, seed: number, chunk = 10_000): Generator<Float32Array> {
  const rng = new Rng(seed);
  const centres = Array.from({ length: 1000 }, () => unit(gaussian(rng, dim, 1)));
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const out = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) out.set(unit(addNoise(centres[rng.int(centres.length)] as Float32Array, rng, 0.7 / Math.sqrt(dim))), i * dim);
    yield out;
  }
}

function gaussian(rng: Rng, dim: number, sd: number): Float32Array {
  return Float32Array.from({ length: dim }, () => sd * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
}
function addNoise(v: Float32Array, rng: Rng, sd: number): Float32Array {
  const n = gaussian(rng, v.length, sd);
  return v.map((x, i) => x + (n[i] as number));
}
function unit(v: Float32Array): Float32Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** The bare loop: every dot product, then the top 10 by a partial selection. */
function bareTop10(all: Float32Array, dim: number, q: Float32Array): number[] {
  const n = all.length / dim;
  const best: [number, number][] = [];
  let floor = -Infinity;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * dim;
    for (let d = 0; d < dim; d++) s += (all[o + d] as number) * (q[d] as number);
    if (best.length < 10 || s > floor) {
      best.push([s, i]);
      best.sort((a, b) => b[0] - a[0]);
      if (best.length > 10) best.pop();
      floor = (best[best.length - 1] as [number, number])[0];
    }
  }
  return best.map((b) => b[1] + 1);
}

function time<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
}

async function benchSearch(count: number, dim: number, label: string): Promise<void> {
  const dir = join(root, 'search');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${label}-${count}.sqlite`);
  const index = VectorIndex.open(path, { run: 'bench', step: 0, dim }, { rebuild: true });
  const all = new Float32Array(count * dim);
  let id = 1;
  const [, loadMs] = time(() => {
    for (const chunk of clusteredChunks(count, dim, 7)) {
      index.addImageVectors(id, chunk);
      all.set(chunk, (id - 1) * dim);
      id += chunk.length / dim;
    }
  });
  const rng = new Rng(11);
  const queries = Array.from({ length: Number(args.queries) }, () => {
    const j = rng.int(count);
    return unit(addNoise(all.slice(j * dim, (j + 1) * dim), rng, 0.3 / Math.sqrt(dim)));
  });
  let exactMs = 0, bareMs = 0, fastMs = 0, agree = 0, recall = 0;
  for (const q of queries) {
    const [exact, e] = time(() => index.nearest('image', q, 10).map((h) => h.id));
    const [bare, b] = time(() => bareTop10(all, dim, q));
    const [fast, f] = time(() => index.nearestFast('image', q, 10, Number(args.candidates)).map((h) => h.id));
    exactMs += e; bareMs += b; fastMs += f;
    agree += exact.filter((x) => bare.includes(x)).length / 10;
    recall += fast.filter((x) => exact.includes(x)).length / 10;
  }
  const n = queries.length;
  index.close();
  rmSync(path, { force: true });
  for (const s of ['-wal', '-shm']) rmSync(path + s, { force: true });
  console.log(
    `${label} ${dim}-d × ${count.toLocaleString('en-US')}: load ${(loadMs / 1000).toFixed(1)} s; exact sqlite-vec ${(exactMs / n).toFixed(1)} ms/query, bare loop ${(bareMs / n).toFixed(1)} ms ` +
      `(sqlite-vec/bare ${(exactMs / bareMs).toFixed(2)}×, top-10 agreement ${((100 * agree) / n).toFixed(0)}%); fast ${(fastMs / n).toFixed(1)} ms, ` +
      `recall@10 ${((100 * recall) / n).toFixed(1)}%, speed-up ${(exactMs / fastMs).toFixed(2)}× over exact; peak RSS ${rss()}`,
  );
}

async function benchClassify(): Promise<void> {
  const dir = join(root, 'classify');
  rmSync(dir, { recursive: true, force: true });
  const written = await writeSyntheticShards({ dir: join(dir, 'shards'), train: 600, val: 200, size: 32, perShard: 300, seed: 5 });
  const runDir = await train(dir, written.train.pattern, Number(args.steps), { resolution: 32, textHidden: 32, textLayers: 1, textHeads: 2 });
  const run = await openRun(runDir, makeContext(dir), 'wasm');
  const labels = Object.keys(COLOURS);
  const one = join(dir, 'one.txt');
  const ensemble = join(dir, 'ensemble.txt');
  writeFileSync(one, 'on a {} background\n');
  // The caption forms of src/synthetic/scenes.ts (one shape, a row, two shapes; signs name no background).
  const forms = [
    'on a {} background',
    'of a {} background',
    'a large circle in the middle of a {} background',
    'a small square on the left of a {} background',
    'a photo of a triangle on the right of a {} background',
    'two stars in a row on a {} background',
    'three diamonds in a row on a {} background',
    'a red circle to the left of a blue square on {}',
    'a yellow star above a green diamond on {}',
  ];
  writeFileSync(ensemble, forms.join('\n'));
  // The held-out shards carry no label member: the truth is each sample's .json `background`.
  try {
    for (const [name, spec] of [['one template', one], [`ensemble of ${forms.length}`, ensemble], ['shipped default', 'default'], ['shipped imagenet (80)', 'imagenet']] as const) {
      const templates = loadTemplates(spec);
      const s = await runClassify(run, { labels, templates, shards: written.val?.pattern as string, batchSize: 50 }, makeContext(dir));
      const truths = await backgroundsOf(join(dir, 'shards', written.val?.shards[0]?.name as string));
      const right = s.predictions.filter((p) => p.label === truths.get(p.key as string)).length;
      console.log(`classify ${name}: accuracy ${((100 * right) / s.samples).toFixed(1)}% on ${s.samples} held-out (chance ${(100 / labels.length).toFixed(1)}%)`);
    }
  } finally {
    run.dispose();
  }
}

async function backgroundsOf(shard: string): Promise<Map<string, string>> {
  const { readShard, emptyCounts } = await import('../src/webdataset/reader.js');
  const out = new Map<string, string>();
  for await (const s of readShard(shard, emptyCounts())) out.set(s.key, (JSON.parse(s.json?.toString('utf8') ?? '{}') as { background?: string }).background ?? '');
  return out;
}

if (parts.has('index')) await benchIndex();
if (parts.has('search')) {
  for (const count of args.sizes.split(',').map(Number)) {
    await benchSearch(count, 320, 'tiny');
    if (count <= Number(args['base-max'])) await benchSearch(count, 1280, 'base');
    else console.log(`base 1280-d × ${count.toLocaleString('en-US')}: skipped (over --base-max; 5 GB of vectors)`);
  }
}
if (parts.has('classify')) await benchClassify();
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
