import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlignError } from '../../../src/errors.js';
import { scoreRetrieval } from '../../../src/stages/retrieval/index.js';
import { tf } from '../../../src/stages/train/backend.js';
import { loadLatestCheckpoint } from '../../../src/stages/train/checkpoint.js';
import { runTrain } from '../../../src/stages/train/index.js';
import { readMetrics } from '../../../src/stages/train/run-files.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { tinyConfig, writeTinyShards } from './fixtures.js';

describe('training runs', () => {
  const tmp = makeTempDir();
  let shards: { train: string; val: string };
  const ctx = () => makeContext(tmp.dir);

  beforeAll(async () => {
    shards = await writeTinyShards(join(tmp.dir, 'shards'));
  });
  afterAll(() => tmp.cleanup());

  test('writes run.json before step 1, a metrics line per step, checkpoints, and evaluates on --val; no tensor leaks', async () => {
    const out = join(tmp.dir, 'run-a');
    const tensorCounts: number[] = [];
    let runJsonAtStart: { config: { steps: number; batchSize: number; out: string }; model: { preset: string } } | undefined;
    const summary = await runTrain(tinyConfig({ shards: shards.train, val: shards.val, out, steps: 5, checkpointEverySteps: 2, evalEverySteps: 4 }), ctx(), {
      scoreRetrieval,
      onStep(step) {
        if (step === 0) runJsonAtStart = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
        else tensorCounts.push(tf.memory().numTensors);
      },
    });
    expect(runJsonAtStart?.config).toMatchObject({ steps: 5, batchSize: 8, out });
    expect(runJsonAtStart?.model.preset).toBe('tiny');
    expect(summary).toMatchObject({ steps: 5, startStep: 0, samples: 40, stoppedBy: 'steps', backend: 'wasm' });
    expect(new Set(tensorCounts).size).toBe(1);

    const lines = readMetrics(out);
    const steps = lines.filter((l) => 'loss' in l);
    expect(steps.map((l) => l.step)).toEqual([1, 2, 3, 4, 5]);
    for (const l of steps) {
      expect(Object.keys(l).sort()).toEqual(['dataMs', 'gradNorm', 'loss', 'lr', 'samplesPerSecond', 'step', 'temperature']);
      expect(Number.isFinite(l.loss)).toBe(true);
    }
    const vals = lines.filter((l) => 'val' in l) as { step: number; val: { samples: number; retrieval: Record<string, unknown> } }[];
    expect(vals.map((v) => v.step)).toEqual([4, 5]);
    expect(vals[0]!.val.samples).toBe(16);
    // What the metrics line holds; whether training learns is learn.test.ts's question.
    expect(Object.keys(vals[0]!.val.retrieval)).toEqual(['samples', 'imageToText', 'textToImage']);
    expect(vals[1]!.val.retrieval).toEqual(summary.val?.retrieval);
    expect(summary.val?.samples).toBe(16);

    // Checkpoints at 2, 4 and the end (5); two kept.
    expect(readdirSync(join(out, 'checkpoints')).sort()).toEqual(['step-000004', 'step-000005']);
    expect(readdirSync(join(out, 'checkpoints', 'step-000005')).sort()).toEqual(['optimizer.bin', 'state.json', 'vocab.txt', 'weights.bin', 'weights.json']);
    expect(readFileSync(join(out, 'vocab.txt'), 'utf8').split('\n').slice(0, 4)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]']);
  });

  test('--resume continues at the saved step with the saved weights; without it the run is not overwritten', async () => {
    const out = join(tmp.dir, 'run-b');
    await runTrain(tinyConfig({ shards: shards.train, out, steps: 3 }), ctx());
    const saved = loadLatestCheckpoint(out)!;
    expect(saved.state.step).toBe(3);

    await expect(runTrain(tinyConfig({ shards: shards.train, out, steps: 5 }), ctx())).rejects.toThrow(AlignError);

    let startStep = -1;
    let startWeights: Float32Array | undefined;
    const summary = await runTrain(tinyConfig({ shards: shards.train, out, steps: 5, resume: true }), ctx(), {
      async onStep(step, model) {
        if (startStep >= 0) return;
        startStep = step;
        startWeights = await model.params.read();
      },
    });
    expect(startStep).toBe(3);
    expect(startWeights).toEqual(saved.weights);
    expect(summary).toMatchObject({ startStep: 3, steps: 5, samples: 40 });
    expect(readMetrics(out).map((l) => l.step)).toEqual([1, 2, 3, 4, 5]);
    const resumed = loadLatestCheckpoint(out)!;
    expect(resumed.state.step).toBe(5);
    expect(resumed.optimizer.updates).toBe(5);
    expect(resumed.weights).not.toEqual(saved.weights);
  });

  test('--resume with nothing to resume from starts a new run', async () => {
    const out = join(tmp.dir, 'run-fresh');
    const summary = await runTrain(tinyConfig({ shards: shards.train, out, steps: 1, resume: true }), ctx());
    expect(summary).toMatchObject({ startStep: 0, steps: 1 });
  });

  test('the same seed repeats a run exactly', async () => {
    const run = async (name: string) => {
      const out = join(tmp.dir, name);
      await runTrain(tinyConfig({ shards: shards.train, out, steps: 2, seed: 11 }), ctx());
      return loadLatestCheckpoint(out)!.weights;
    };
    expect(await run('seed-1')).toEqual(await run('seed-2'));
  });

  test('shards that do not exist stop the run before anything is written', async () => {
    const out = join(tmp.dir, 'run-missing');
    await expect(runTrain(tinyConfig({ shards: join(tmp.dir, 'nope-{000000..000001}.tar'), out }), ctx())).rejects.toMatchObject({ code: 'E_NO_DATA' });
    expect(existsSync(out)).toBe(false);
  });
});
