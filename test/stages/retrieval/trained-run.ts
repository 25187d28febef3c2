/**
 * One small trained run for the retrieval tests: synthetic captioned shapes (600 to train on, 64
 * held out, 32 px, seeded), a tiny model trained for a fixed number of steps on wasm (about half a
 * minute), and a labelled copy of the held-out shard (the background colour as a .json field and a
 * .cls member) for zero-shot classification.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeShards } from '../../../src/stages/train/webdataset-writer.js';
import { writeSyntheticShards } from '../../../src/stages/train/synthetic.js';
import { emptyCounts, readShard, type RawSample } from '../../../src/webdataset/reader.js';
import { runCli } from '../../helpers/cli.js';

export interface TrainedRun {
  dir: string;
  run: string;
  config: string;
  shards: string;
  val: string;
  labelled: string;
  valSamples: RawSample[];
  /** Flags every command takes: data dir and config. */
  common: string[];
}

export const BACKGROUNDS = ['white', 'gray', 'black', 'yellow', 'blue', 'green', 'pink', 'orange'];

export function backgroundOf(caption: string): string {
  return /on a (\w+) background$/.exec(caption)?.[1] ?? '';
}

export async function trainSmallRun(dir: string, steps = 100): Promise<TrainedRun> {
  const shards = join(dir, 'shards');
  const written = await writeSyntheticShards({ dir: shards, train: 600, val: 64, size: 32, perShard: 300, seed: 5 });
  const config = join(dir, 'tiny.json');
  writeFileSync(config, JSON.stringify({ train: { model: { resolution: 32, textHidden: 32, textLayers: 1, textHeads: 2 }, optimizer: { warmupSteps: 10, learningRate: 0.003 } } }));
  const run = join(dir, 'run');
  const common = ['--data-dir', dir, '--config', config];
  const trained = await runCli(['train', '--shards', written.train.pattern, '--out', run, '--steps', String(steps), '--batch-size', '32', '--backend', 'wasm', '--seed', '3', ...common]);
  if (trained.code !== 0) throw new Error(`training failed: ${trained.stderr}`);
  const val = written.val?.files[0]?.path as string;
  const valSamples: RawSample[] = [];
  for await (const s of readShard(val, emptyCounts())) valSamples.push(s);
  const labelled = await writeShards(
    join(dir, 'labelled'),
    'cls',
    valSamples.map((s) => {
      const background = backgroundOf(s.caption);
      return { key: s.key, members: { jpg: s.image, txt: s.caption, json: JSON.stringify({ key: s.key, background }), cls: String(BACKGROUNDS.indexOf(background)) } };
    }),
    100,
  );
  return { dir, run, config, shards, val, labelled: labelled.pattern, valSamples, common };
}
