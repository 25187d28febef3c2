/**
 * Synthetic WebDataset shards, like open_clip's `synthetic` dataset: the scenes of scenes.ts
 * rendered size×size and captioned as alt text would be, written by the same writer as the
 * shard stage. Deterministic for a seed, so a benchmark or a test can show that training
 * learns without any download.
 */
import type { WdsSample } from '../webdataset/split-writer.js';
import { type WrittenSplit, writeShards } from '../webdataset/write-shards.js';
import { renderScene } from './render.js';
import { type Scene, makeScenes } from './scenes.js';

export interface SyntheticOptions {
  /** Where the shards go. */
  dir: string;
  /** Training samples. @default 2000 */
  train?: number;
  /** Held-out samples, written as `val-*.tar` (other scenes than the training ones). @default 200 */
  val?: number;
  /** Image side in px. @default 64 */
  size?: number;
  /** Samples per shard. @default 500 */
  perShard?: number;
  /** @default 0 */
  seed?: number;
}

/** Writes `train-*.tar` and `val-*.tar` with sizes.json and manifests; returns their brace patterns. */
export async function writeSyntheticShards(options: SyntheticOptions): Promise<{ train: WrittenSplit; val: WrittenSplit | null }> {
  const size = options.size ?? 64;
  const trainCount = options.train ?? 2000;
  const scenes = makeScenes(trainCount + (options.val ?? 200), options.seed ?? 0, size);
  const written = writeShards(
    options.dir,
    { train: await renderSamples(scenes.slice(0, trainCount)), val: await renderSamples(scenes.slice(trainCount)) },
    { samplesPerShard: options.perShard ?? 500 },
  );
  return { train: written.train!, val: written.val };
}

async function renderSamples(scenes: readonly Scene[]): Promise<WdsSample[]> {
  const out: WdsSample[] = [];
  for (let start = 0; start < scenes.length; start += 32) {
    const chunk = scenes.slice(start, start + 32);
    const jpgs = await Promise.all(chunk.map((s) => renderScene(s, { plain: true })));
    chunk.forEach((scene, i) => {
      const jpg = jpgs[i] as Buffer;
      // The background colour is every scene's label (signs do not name it): zero-shot tests and benches classify by it.
      const meta = { caption: scene.caption, width: scene.width, height: scene.height, background: scene.background };
      out.push({ members: (key) => ({ jpg, txt: scene.caption, json: JSON.stringify({ key, ...meta }) }) });
    });
  }
  return out;
}
