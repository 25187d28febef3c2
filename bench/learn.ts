/**
 * Does the trainer learn? Generates captioned synthetic shards (64×64 scenes of coloured shapes
 * and signs from src/synthetic/: 2,000 to train on, 200 held out, deterministic),
 * runs `align-data train` for a few minutes, then `align-data eval` on the held-out 200, and
 * prints Recall@1 in both directions beside chance (1/200 = 0.5%). Goal: at least 20× chance.
 *
 *   npx tsx bench/learn.ts [--minutes 5] [--backend auto] [--batch-size 64] [--keep]
 *
 * Everything goes through the CLI's main(), as a user would run it; data under bench/out/learn.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../src/cli/main.js';
import { writeSyntheticShards } from '../src/synthetic/shards.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    backend: { type: 'string', default: 'auto' },
    'batch-size': { type: 'string' },
    steps: { type: 'string', default: '100000' },
    keep: { type: 'boolean', default: false },
  },
});

const root = join(import.meta.dirname, 'out', 'learn');
const shardDir = join(root, 'shards');
const runDir = join(root, 'run');

async function cli(argv: string[]): Promise<string> {
  let stdout = '';
  const code = await main([...argv, '--data-dir', root, '--json'], { stdout: { write: (t: string) => (stdout += t) }, stderr: process.stderr });
  if (code !== 0) throw new Error(`align-data ${argv[0]} exited ${code}`);
  return stdout;
}

async function run(): Promise<void> {
  if (!existsSync(join(shardDir, 'val-000000.tar'))) {
    const started = performance.now();
    await writeSyntheticShards({ dir: shardDir, train: 2000, val: 200, size: 64, perShard: 500, seed: 1 });
    console.log(`generated 2,000 + 200 synthetic samples in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  rmSync(runDir, { recursive: true, force: true });
  const trainArgs = ['train', '--shards', join(shardDir, 'train-{000000..000003}.tar'), '--out', runDir, '--minutes', args.minutes, '--steps', args.steps, '--backend', args.backend];
  if (args['batch-size']) trainArgs.push('--batch-size', args['batch-size']);
  const started = performance.now();
  const train = JSON.parse(await cli(trainArgs)) as { steps: number; samples: number; seconds: number; samplesPerSecond: number; backend: string; temperature: number; finalLoss: number };
  const wall = (performance.now() - started) / 1000;
  const evaluation = JSON.parse(await cli(['eval', '--run', runDir, '--shards', join(shardDir, 'val-{000000..000000}.tar')])) as {
    samples: number;
    imageToText: Record<string, number>;
    textToImage: Record<string, number>;
  };
  report(train, wall, evaluation);
  if (!args.keep) rmSync(runDir, { recursive: true, force: true });
}

function report(
  train: { steps: number; samples: number; seconds: number; samplesPerSecond: number; backend: string; temperature: number; finalLoss: number },
  wall: number,
  e: { samples: number; imageToText: Record<string, number>; textToImage: Record<string, number> },
): void {
  const chance = 1 / e.samples;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const batch = train.steps > 0 ? train.samples / train.steps : 0;
  console.log(`\nbackend ${train.backend}; ${train.steps} steps of ${batch} in ${train.seconds.toFixed(0)} s of training (${wall.toFixed(0)} s wall, setup included)`);
  console.log(`  ${(train.steps / train.seconds).toFixed(2)} steps/s, ${train.samplesPerSecond.toFixed(1)} samples/s, ${(train.samples / 2000).toFixed(1)} epochs; final loss ${train.finalLoss.toFixed(3)}, temperature ${train.temperature.toFixed(4)}`);
  console.log(`held-out ${e.samples}: chance R@1 ${pct(chance)}`);
  for (const [name, d] of [['image→text', e.imageToText], ['text→image', e.textToImage]] as const) {
    const r1 = d['R@1'] as number;
    console.log(`  ${name}: R@1 ${pct(r1)} (${(r1 / chance).toFixed(1)}× chance)  R@5 ${pct(d['R@5'] as number)}  R@10 ${pct(d['R@10'] as number)}  mean rank ${(d.meanRank as number).toFixed(1)}`);
  }
  const goal = Math.min(e.imageToText['R@1'] as number, e.textToImage['R@1'] as number) >= 20 * chance;
  console.log(`goal (R@1 ≥ 20× chance both ways): ${goal ? 'met' : 'NOT met'}`);
  console.log(`peak RSS ${process.resourceUsage().maxRSS} KB; load average ${readLoad()}`);
}

function readLoad(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

await run();
