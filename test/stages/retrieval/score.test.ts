import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScore } from '../../../src/stages/retrieval/score.js';
import { openRun } from '../../../src/stages/train/index.js';
import { openStore } from '../../../src/store/db.js';
import { makeContext } from '../../../src/util/context.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { StoreBuilder } from '../filter/make-store.js';
import { STEPS, backgroundOf, stoppingEncoder, trainSmallRun, type TrainedRun } from './trained-run.js';

/**
 * A crawl store whose pairs are held-out synthetic images with their own caption (matched) or
 * the caption of an image with another background (mismatched): a trained model should score
 * the matched ones higher, and the model-score filter keep mostly those.
 */
describe('score and the model-score filter', () => {
  const tmp = makeTempDir();
  let t: TrainedRun;
  const matched = new Set<number>();
  const mismatched = new Set<number>();
  let corruptPair = 0;
  const cli = (argv: string[]) => runCli([...argv, ...t.common]);

  beforeAll(async () => {
    t = await trainSmallRun(tmp.dir);
    const b = new StoreBuilder(tmp.dir);
    const samples = t.valSamples.slice(0, 32);
    samples.forEach((s, i) => {
      const other = samples.find((o, j) => j > i && backgroundOf(o.caption) !== backgroundOf(s.caption)) ?? samples.find((o) => backgroundOf(o.caption) !== backgroundOf(s.caption));
      const page = b.page();
      const image = b.image({ bytes: s.image });
      matched.add(b.pair(page, image, s.caption));
      mismatched.add(b.pair(page, image, other!.caption));
    });
    corruptPair = b.simplePair('a red square on a white background', { bytes: Buffer.from('not an image at all') });
    b.close();
  }, 300_000);
  afterAll(() => tmp.cleanup());

  const readScores = (): Map<number, { score: number | null; error: string | null }> => {
    const db = openStore(tmp.dir);
    try {
      const rows = db.prepare('SELECT pair_id AS id, score, error FROM pair_scores').all() as { id: number; score: number | null; error: string | null }[];
      return new Map(rows.map((r) => [r.id, { score: r.score, error: r.error }]));
    } finally {
      db.close();
    }
  };

  test('scores every stored pair once (resuming after a kill), records a bad image, and matched pairs score higher', async () => {
    const run = await openRun(t.run, makeContext(tmp.dir), 'wasm');
    try {
      const controller = new AbortController();
      // The real encoder, with Ctrl-C pressed while it embeds batch 2.
      const stopping = stoppingEncoder(run, controller, 2);
      const killed = await runScore(stopping, makeContext(tmp.dir, { signal: controller.signal }), { batchSize: 16 });
      expect(killed).toMatchObject({ scored: 32, total: 32 });
    } finally {
      run.dispose();
    }
    const first = await cli(['score', '--run', t.run, '--batch-size', '16', '--json']);
    expect(first.code).toBe(0);
    const s = JSON.parse(first.stdout);
    expect(s).toMatchObject({ scored: 65 - 32, failed: 1, total: 64, step: STEPS });
    expect(s.histogram.reduce((a: number, b: { pairs: number }) => a + b.pairs, 0)).toBe(64);
    const scores = readScores();
    expect(scores.get(corruptPair)).toEqual({ score: null, error: 'decode_failed' });
    const mean = (ids: Set<number>): number => [...ids].reduce((a, id) => a + (scores.get(id)?.score ?? 0), 0) / ids.size;
    expect(mean(matched)).toBeGreaterThan(mean(mismatched) + 0.05);
    const again = JSON.parse((await cli(['score', '--run', t.run, '--json'])).stdout);
    expect(again).toMatchObject({ scored: 0, total: 64 });
  });

  test('model-score keeps the top keepFraction (a global threshold), mostly matched pairs; stats shows the histogram', async () => {
    const config = join(tmp.dir, 'filter.json');
    writeFileSync(config, JSON.stringify({ filter: { imagesPerAlt: { max: 1000 }, modelScore: { enabled: true, keepFraction: 0.5 } } }));
    const r = await runCli(['filter', '--data-dir', tmp.dir, '--config', config, '--json']);
    expect(r.code).toBe(0);
    const db = openStore(tmp.dir);
    const kept = new Set(db.prepare('SELECT pair_id FROM decisions WHERE kept = 1').pluck().all() as number[]);
    const reason = db.prepare('SELECT reason FROM decisions WHERE pair_id = ?').pluck().get(corruptPair);
    db.close();
    expect(kept.size).toBe(32);
    expect(reason).toBe('model-score');
    const keptMatched = [...kept].filter((id) => matched.has(id)).length;
    expect(keptMatched).toBeGreaterThan(24);
    const stats = await runCli(['stats', '--data-dir', tmp.dir, '--json']);
    const modelScores = JSON.parse(stats.stdout).modelScores;
    expect(modelScores.scored).toBe(64);
    expect(modelScores.threshold).toBeGreaterThan(-1);
    expect(modelScores.histogram.reduce((a: number, b: { kept: number }) => a + b.kept, 0)).toBe(32);
    expect(modelScores.histogram.reduce((a: number, b: { pairs: number }) => a + b.pairs, 0)).toBe(64);
    const text = await runCli(['stats', '--data-dir', tmp.dir]);
    expect(text.stdout).toContain('model score');
  });

  test('minScore keeps exactly the pairs at or above it', async () => {
    const scores = [...readScores().values()].map((s) => s.score).filter((s): s is number => s !== null).sort((a, b) => a - b);
    const minScore = scores[40]!;
    const config = join(tmp.dir, 'filter-min.json');
    writeFileSync(config, JSON.stringify({ filter: { imagesPerAlt: { max: 1000 }, modelScore: { enabled: true, minScore } } }));
    expect((await runCli(['filter', '--data-dir', tmp.dir, '--config', config])).code).toBe(0);
    const db = openStore(tmp.dir);
    const kept = db.prepare('SELECT count(*) FROM decisions WHERE kept = 1').pluck().get();
    db.close();
    expect(kept).toBe(scores.filter((s) => s >= minScore).length);
  });

  test('a bad modelScore option exits 2 naming it', async () => {
    const config = join(tmp.dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ filter: { modelScore: { enabled: true, keepFraction: 2 } } }));
    const r = await runCli(['filter', '--data-dir', tmp.dir, '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('keepFraction');
  });
});
