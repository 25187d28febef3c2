import { selectBackend, tf } from '../../../src/stages/train/backend.js';
import type { Batch } from '../../../src/stages/train/batches.js';
import { iterateBatches, openEvalBatches } from '../../../src/stages/train/data.js';
import { DualEncoder } from '../../../src/stages/train/model.js';
import { FlatAdam } from '../../../src/stages/train/optimizer.js';
import { resolveModelSpec, scaleImageTower } from '../../../src/stages/train/presets.js';
import { listShards } from '../../../src/webdataset/shard-list.js';
import { emptyCounts } from '../../../src/webdataset/reader.js';
import { embedBatch, evaluateLoss, trainStep } from '../../../src/stages/train/step.js';
import { trainWordPiece, type WordPieceTokenizer } from '../../../src/stages/train/tokenizer.js';
import { makeTempDir } from '../../helpers/paths.js';
import { tinyConfig, writeTinyShards } from './fixtures.js';

describe('dual encoder', () => {
  const tmp = makeTempDir();
  const config = tinyConfig();
  let tokenizer: WordPieceTokenizer;
  let batch: Batch;

  beforeAll(async () => {
    await selectBackend('wasm');
    const shards = await writeTinyShards(tmp.dir);
    const paths = listShards(shards.train).map((s) => s.path);
    tokenizer = trainWordPiece(['a red circle', 'two blue squares and a green triangle on a white background'], { vocabSize: 64, minFrequency: 1 });
    const stream = openEvalBatches(paths, tokenizer, emptyCounts(), { batchSize: 8, resolution: 32, maxTokens: 64 });
    for await (const b of iterateBatches(stream)) {
      batch = b;
      break;
    }
  });
  afterAll(() => tmp.cleanup());

  function makeModel(seed = 0): DualEncoder {
    const spec = resolveModelSpec(config.model, tokenizer.size, 64);
    return new DualEncoder({ spec, loss: config.loss, seed, temperatureLrScale: 10 });
  }

  test('the EfficientNet table scales by width and depth with channels rounded to 8', () => {
    const b0 = scaleImageTower(1, 1, 224);
    expect(b0.stem).toBe(32);
    expect(b0.blocks).toHaveLength(16);
    expect(b0.head).toBe(1280);
    const tiny = scaleImageTower(0.25, 0.25, 64);
    expect(tiny.blocks).toHaveLength(7);
    expect(tiny.blocks.every((b) => b.output % 8 === 0)).toBe(true);
    expect(tiny.blocks.filter((b) => b.stride === 2)).toHaveLength(4);
  });

  test('both towers give unit embeddings of the image head width', async () => {
    const model = makeModel();
    try {
      expect(batch.size).toBe(8);
      const { image, text } = await embedBatch(model, batch);
      const dim = model.spec.embedDim;
      expect(dim).toBe(model.spec.image.head);
      expect(image.length).toBe(8 * dim);
      expect(text.length).toBe(8 * dim);
      for (let r = 0; r < 8; r++) {
        const norm = (v: Float32Array): number => Math.hypot(...v.subarray(r * dim, (r + 1) * dim));
        expect(norm(image)).toBeCloseTo(1, 4);
        expect(norm(text)).toBeCloseTo(1, 4);
      }
      expect(model.readTemperature()).toBeCloseTo(1, 6);
    } finally {
      model.dispose();
    }
  });

  test('a seed fixes the initial weights', async () => {
    const [a, b, c] = [makeModel(5), makeModel(5), makeModel(6)];
    try {
      const [wa, wb, wc] = await Promise.all([a.params.read(), b.params.read(), c.params.read()]);
      expect(wa).toEqual(wb);
      expect(wa).not.toEqual(wc);
    } finally {
      [a, b, c].forEach((m) => m.dispose());
    }
  });

  test('training steps make the loss fall and leak no tensors', () => {
    const model = makeModel();
    const optimizer = new FlatAdam(config.optimizer, model.params.describe());
    try {
      const before = evaluateLoss(model, batch);
      trainStep(model, optimizer, batch, 0.003);
      const tensors = tf.memory().numTensors;
      const losses: number[] = [];
      for (let i = 0; i < 12; i++) {
        losses.push(trainStep(model, optimizer, batch, 0.003).loss);
        expect(tf.memory().numTensors).toBe(tensors);
      }
      const after = evaluateLoss(model, batch);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(Number.isFinite(after)).toBe(true);
      expect(after).toBeLessThan(before * 0.8);
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
      // The temperature is learned: it moved from its initial 1.0.
      expect(model.readTemperature()).not.toBeCloseTo(1, 3);
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  });

  test('with learnTemperature off the temperature stays where it started', () => {
    const spec = resolveModelSpec(config.model, tokenizer.size, 64);
    const model = new DualEncoder({ spec, loss: { ...config.loss, learnTemperature: false, temperatureInit: 0.5 }, seed: 0, temperatureLrScale: 10 });
    const optimizer = new FlatAdam(config.optimizer, model.params.describe());
    try {
      for (let i = 0; i < 3; i++) trainStep(model, optimizer, batch, 0.01);
      expect(model.readTemperature()).toBeCloseTo(0.5, 6);
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  });

  test('gradients are clipped to clipNorm by their global norm before Adam sees them', async () => {
    const model = makeModel();
    const optimizer = new FlatAdam({ ...config.optimizer, clipNorm: 1e-3 }, model.params.describe());
    try {
      const norm = trainStep(model, optimizer, batch, 0.001).gradNorm;
      // The reported norm is the one before clipping; the first moment holds (1 − β1) × the clipped gradient.
      expect(norm).toBeGreaterThan(1e-2);
      const { m } = await optimizer.state();
      const mNorm = Math.sqrt(m.reduce((a, x) => a + x * x, 0));
      expect(mNorm).toBeCloseTo((1 - config.optimizer.beta1) * 1e-3, 6);
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  });
});
