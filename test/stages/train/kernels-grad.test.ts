/**
 * Whole gradients through every replaced kernel, on wasm against the cpu backend with its own
 * kernels only, and no tensors left behind by a backward pass.
 */
import { selectBackend, tf } from '../../../src/stages/train/backend.js';
import { relativeError, randomTensor } from './kernels-helpers.js';

beforeAll(async () => {
  // cpu keeps its own kernels here: it is the reference.
  await selectBackend('cpu', undefined, { customKernels: false });
  await selectBackend('wasm');
});

/** A small function through every replaced kernel's gradient: conv, depthwise, gather, dense, pooling. */
function smallNetLoss(x: tf.Tensor4D, w: Record<string, tf.Tensor>, ids: tf.Tensor1D): tf.Scalar {
  const conv = tf.conv2d(x, w['conv'] as tf.Tensor4D, 2, 'same');
  const dw1 = tf.depthwiseConv2d(tf.sigmoid(conv), w['dw1'] as tf.Tensor4D, 2, 'same');
  const dw2 = tf.depthwiseConv2d(dw1, w['dw2'] as tf.Tensor4D, 1, 'valid');
  const pooled = tf.mean(dw2, [1, 2]);
  const dense = tf.matMul(pooled, w['dense'] as tf.Tensor2D);
  const embedded = tf.sum(tf.gather(w['embedding'] as tf.Tensor2D, ids), 0);
  const attention = tf.matMul(tf.reshape(dense, [2, 2, 3]), tf.reshape(dense, [2, 2, 3]), false, true);
  return tf.add(tf.sum(tf.square(tf.add(dense, embedded))), tf.sum(attention)) as tf.Scalar;
}

describe('gradients through every kernel', () => {
  const shapes: Record<string, number[]> = { conv: [3, 3, 3, 4], dw1: [3, 3, 4, 2], dw2: [2, 2, 8, 1], dense: [8, 3], embedding: [10, 3] };

  async function gradientsOn(backend: string): Promise<{ grads: Record<string, number[]>; leaked: number }> {
    await tf.setBackend(backend);
    const weights = Object.fromEntries(Object.entries(shapes).map(([k, s], i) => [k, tf.variable(tf.tensor(randomTensor(s, 50 + i).values, s), true, `${backend}-${k}`)]));
    const x = tf.tensor4d(randomTensor([4, 9, 9, 3], 60).values, [4, 9, 9, 3]);
    const ids = tf.tensor1d([1, 4, 4, 9, 0], 'int32');
    const before = tf.memory().numTensors;
    const { grads, value } = tf.variableGrads(() => smallNetLoss(x, weights, ids));
    const out = Object.fromEntries(Object.entries(shapes).map(([k]) => [k, Array.from(grads[`${backend}-${k}`]!.dataSync())]));
    tf.dispose([value, ...Object.values(grads)]);
    const leaked = tf.memory().numTensors - before;
    tf.dispose([x, ids, ...Object.values(weights)]);
    return { grads: out, leaked };
  }

  test('match cpu on wasm, and leave tensors as they were', async () => {
    const cpu = await gradientsOn('cpu');
    const wasm = await gradientsOn('wasm');
    for (const name of Object.keys(shapes)) {
      expect(relativeError(Float32Array.from(wasm.grads[name]!), Float32Array.from(cpu.grads[name]!))).toBeLessThan(1e-4);
    }
    expect(wasm.leaked).toBe(0);
    expect(cpu.leaked).toBe(0);
  });
});
