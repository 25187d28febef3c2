import { selectBackend, tf } from '../../../src/stages/train/backend.js';
import { l2Normalize } from '../../../src/stages/train/layers.js';
import { contrastiveLoss } from '../../../src/stages/train/loss.js';
import { learningRateAt } from '../../../src/stages/train/optimizer.js';
import { TrainConfigSchema } from '../../../src/config/train.js';

/** Unit 2-D vectors at the given angles, one per row. */
function unitRows(angles: number[]): tf.Tensor2D {
  return tf.tensor2d(angles.flatMap((a) => [Math.cos(a), Math.sin(a)]), [angles.length, 2]);
}

/** The loss written out by hand for a 2×2 similarity matrix: no tf, no vectorisation. */
function handLoss(s: number[][], temperature: number, smoothing: number): number {
  const t = (i: number, j: number): number => (i === j ? 1 - smoothing : 0) + smoothing / 2;
  let imageToText = 0;
  let textToImage = 0;
  for (let i = 0; i < 2; i++) {
    const rowZ = Math.exp(s[i]![0]! / temperature) + Math.exp(s[i]![1]! / temperature);
    const colZ = Math.exp(s[0]![i]! / temperature) + Math.exp(s[1]![i]! / temperature);
    for (let j = 0; j < 2; j++) {
      imageToText -= t(i, j) * Math.log(Math.exp(s[i]![j]! / temperature) / rowZ);
      textToImage -= t(i, j) * Math.log(Math.exp(s[j]![i]! / temperature) / colZ);
    }
  }
  return imageToText / 2 + textToImage / 2;
}

describe('contrastive loss', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  test('equals the hand-computed symmetric smoothed softmax loss on a 2×2 matrix', () => {
    const imageAngles = [0.1, 1.3];
    const textAngles = [0.4, 2.0];
    const s = imageAngles.map((a) => textAngles.map((b) => Math.cos(a - b)));
    for (const [temperature, smoothing] of [
      [1, 0.1],
      [0.5, 0.1],
      [0.07, 0],
      [2, 0.5],
    ] as const) {
      const value = tf.tidy(() => contrastiveLoss(unitRows(imageAngles), unitRows(textAngles), tf.scalar(temperature), smoothing).dataSync()[0]!);
      expect(value).toBeCloseTo(handLoss(s, temperature, smoothing), 5);
    }
  });

  test('an asymmetric matrix makes the two directions differ, and both count', () => {
    // Image 1 matches both captions equally: image→text is unsure for row 1, text→image is not.
    const s = [
      [1, 0],
      [0.5, 0.5],
    ];
    const full = handLoss(s, 1, 0);
    const rowsOnly = -Math.log(Math.E / (Math.E + 1)) / 2 - Math.log(0.5) / 2;
    expect(full).not.toBeCloseTo(2 * rowsOnly, 3);
    const img = tf.tensor2d([1, 0, 0.5, 0.5], [2, 2]);
    const txt = tf.eye(2) as tf.Tensor2D;
    const value = tf.tidy(() => contrastiveLoss(img, txt, tf.scalar(1), 0).dataSync()[0]!);
    expect(value).toBeCloseTo(full, 5);
    tf.dispose([img, txt]);
  });

  test('the temperature gradient matches a central finite difference', () => {
    const images = tf.tidy(() => l2Normalize(tf.randomNormal([6, 5], 0, 1, 'float32', 1)));
    const texts = tf.tidy(() => l2Normalize(tf.randomNormal([6, 5], 0, 1, 'float32', 2)));
    const logTemperature = tf.variable(tf.scalar(Math.log(0.3)));
    const lossAt = (theta: number): number =>
      tf.tidy(() => contrastiveLoss(images, texts, tf.exp(tf.scalar(theta)) as tf.Scalar, 0.1).dataSync()[0]!);
    const analytic = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => contrastiveLoss(images, texts, tf.exp(logTemperature) as tf.Scalar, 0.1), [logTemperature]);
      return grads[logTemperature.name]!.dataSync()[0]!;
    });
    const h = 1e-2;
    const theta = Math.log(0.3);
    const numeric = (lossAt(theta + h) - lossAt(theta - h)) / (2 * h);
    expect(Math.abs(analytic)).toBeGreaterThan(0.05);
    expect(analytic).toBeCloseTo(numeric, 2);
    expect(Math.abs(analytic - numeric) / Math.abs(numeric)).toBeLessThan(0.01);
    tf.dispose([images, texts, logTemperature]);
  });
});

describe('learning-rate schedule', () => {
  const config = TrainConfigSchema.parse({}).optimizer;

  test('warms up linearly, peaks, then decays to the final fraction', () => {
    const warm = { ...config, warmupSteps: 10, learningRate: 1, finalLearningRateFraction: 0.1 };
    expect(learningRateAt(warm, 0, 0)).toBeCloseTo(1 / 11);
    expect(learningRateAt(warm, 9, 0.01)).toBeCloseTo(10 / 11);
    expect(learningRateAt(warm, 10, 0)).toBeCloseTo(1);
    expect(learningRateAt(warm, 50, 0.5)).toBeCloseTo(0.55);
    expect(learningRateAt(warm, 99, 1)).toBeCloseTo(0.1);
    expect(learningRateAt({ ...warm, schedule: 'linear' }, 50, 0.5)).toBeCloseTo(0.55);
    expect(learningRateAt({ ...warm, schedule: 'linear' }, 50, 0.75)).toBeCloseTo(0.325);
    expect(learningRateAt({ ...warm, schedule: 'constant' }, 50, 0.75)).toBe(1);
  });
});
