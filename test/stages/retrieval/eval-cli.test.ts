import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { writeTinyShards } from '../train/fixtures.js';

describe('align-data train and eval', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  test('train then eval --json prints exactly samples, imageToText and textToImage with recalls as fractions', async () => {
    const shards = await writeTinyShards(join(tmp.dir, 'shards'));
    const config = join(tmp.dir, 'tiny.json');
    writeFileSync(config, JSON.stringify({ train: { model: { resolution: 32, textHidden: 32, textLayers: 1, textHeads: 2 } } }));
    const run = join(tmp.dir, 'run');
    const common = ['--data-dir', tmp.dir, '--config', config];
    const trained = await runCli(['train', '--shards', shards.train, '--val', shards.val, '--out', run, '--steps', '2', '--batch-size', '8', '--backend', 'wasm', '--seed', '3', '--json', ...common]);
    expect(trained.stderr).toContain('backend: wasm');
    expect(trained.code).toBe(0);
    const trainSummary = JSON.parse(trained.stdout);
    expect(trainSummary).toMatchObject({ steps: 2, samples: 16, runDir: run });

    const evaluated = await runCli(['eval', '--run', run, '--shards', shards.val, '--json', ...common]);
    expect(evaluated.code).toBe(0);
    const summary = JSON.parse(evaluated.stdout);
    expect(Object.keys(summary)).toEqual(['samples', 'imageToText', 'textToImage']);
    expect(summary.samples).toBe(16);
    for (const direction of [summary.imageToText, summary.textToImage]) {
      expect(Object.keys(direction)).toEqual(['R@1', 'R@5', 'R@10', 'meanRank']);
    }
    // eval of the saved checkpoint ranks the held-out set exactly as training's --val did at the
    // last step: the checkpoint is the model that was scored, and the scoring is the same.
    // (Whether training learns is learn.test.ts's question.)
    expect(trainSummary.val.step).toBe(2);
    for (const direction of ['imageToText', 'textToImage'] as const) {
      for (const k of ['R@1', 'R@5', 'R@10'] as const) expect(summary[direction][k]).toBe(trainSummary.val.retrieval[direction][k]);
      expect(summary[direction].meanRank).toBeCloseTo(trainSummary.val.retrieval[direction].meanRank, 6);
    }

    // --limit: only the first N samples are read and scored; a limit past the end takes them all.
    const limited = await runCli(['eval', '--run', run, '--shards', shards.val, '--limit', '5', '--json', ...common]);
    expect(limited.code).toBe(0);
    expect(JSON.parse(limited.stdout).samples).toBe(5);
    const beyond = await runCli(['eval', '--run', run, '--shards', shards.val, '--limit', '1000', '--json', ...common]);
    expect(JSON.parse(beyond.stdout)).toEqual(summary);
  });

  test('bad flags exit 2 before any work', async () => {
    const r = await runCli(['train', '--backend', 'gpu-please', '--data-dir', tmp.dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('backend');
    const e = await runCli(['eval', '--shards', 'x.tar', '--data-dir', tmp.dir]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('run');
    // A bad --limit stops before the run is opened (this run dir does not even exist).
    for (const limit of ['0', '2.5', 'many']) {
      const l = await runCli(['eval', '--run', `${tmp.dir}/no-run`, '--shards', 'x.tar', '--limit', limit, '--data-dir', tmp.dir]);
      expect(l.code).toBe(2);
      expect(l.stderr).toContain('--limit');
    }
    const s = await runCli(['train', '--steps', '0', '--data-dir', tmp.dir]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('train.steps');
  });
});
