/**
 * The non-convolution kernels against the cpu backend's own: UnsortedSegmentSum (gather's
 * gradient), the BatchMatMul that sends transposed and batched products to XNNPACK, the Sum and
 * Mean shortcuts, and wasm's copy-free Slice, SplitV and Identity.
 */
import { selectBackend, tf } from '../../../src/stages/train/backend.js';
import { COMPOSED_KERNELS, originalKernel, registerComposedKernel } from '../../../src/stages/train/kernels/index.js';
import { intTensor, randomTensor, relativeError, runKernelOn, type HostTensor } from './kernels-helpers.js';

const TOLERANCE = 1e-5;

beforeAll(async () => {
  await selectBackend('cpu');
  await selectBackend('wasm');
  for (const name of COMPOSED_KERNELS) registerComposedKernel(name, 'cpu');
});

function checkAgainstCpu(kernelName: string, inputs: Record<string, HostTensor>, attrs: Record<string, unknown>, backends = ['wasm', 'cpu']) {
  const reference = runKernelOn('cpu', kernelName, inputs, attrs, true);
  for (const backend of backends) {
    const ours = runKernelOn(backend, kernelName, inputs, attrs, false);
    expect(ours.shape).toEqual(reference.shape);
    expect(relativeError(ours.values, reference.values)).toBeLessThan(TOLERANCE);
    expect(ours.leakedDataIds).toBe(0);
  }
}

describe('BatchMatMul', () => {
  const cases: [string, number[], number[], boolean, boolean][] = [
    ['2-D plain', [5, 7], [7, 3], false, false],
    ['2-D transposeA', [7, 5], [7, 3], true, false],
    ['2-D transposeB', [5, 7], [3, 7], false, true],
    ['2-D both transposed', [7, 5], [3, 7], true, true],
    ['batched left, shared right', [2, 3, 5, 7], [7, 4], false, false],
    ['batched left transposed, shared right transposed', [3, 7, 5], [1, 4, 7], true, true],
    ['large equal batches (split)', [3, 70, 64], [3, 64, 66], false, false],
    ['large equal batches, transposed (split)', [2, 64, 70], [2, 66, 64], true, true],
    ['small equal batches (wasm loop)', [4, 5, 6], [4, 3, 6], false, true],
    ['broadcast batches', [2, 1, 5, 6], [1, 3, 6, 4], false, false],
  ];
  test.each(cases)('%s matches cpu', (_name, aShape, bShape, transposeA, transposeB) => {
    checkAgainstCpu(tf.BatchMatMul, { a: randomTensor(aShape, 11), b: randomTensor(bShape, 12) }, { transposeA, transposeB });
  });
});

describe('UnsortedSegmentSum', () => {
  test('sums rows with repeated ids, and leaves empty segments at zero', () => {
    checkAgainstCpu(tf.UnsortedSegmentSum, { x: randomTensor([6, 4], 21), segmentIds: intTensor([0, 2, 0, 5, 2, 1]) }, { numSegments: 7 });
  });

  test('drops ids outside [0, numSegments), on rank-3 data', () => {
    checkAgainstCpu(tf.UnsortedSegmentSum, { x: randomTensor([5, 2, 3], 22), segmentIds: intTensor([1, -1, 3, 9, 1]) }, { numSegments: 4 });
  });
});

describe('Sum and Mean', () => {
  const cases: [string, string, number[], number[], boolean][] = [
    ['Sum', 'leading axis', [4, 5, 6], [0], false],
    ['Sum', 'two leading axes, keepDims', [4, 5, 6], [0, 1], true],
    ['Sum', 'a middle axis (wasm kernel)', [4, 5, 6], [1], false],
    ['Sum', 'every axis (wasm kernel)', [4, 5, 6], [0, 1, 2], false],
    ['Mean', 'height and width (pooling)', [3, 5, 4, 6], [1, 2], false],
    ['Mean', 'height and width, keepDims', [3, 5, 4, 6], [2, 1], true],
    ['Mean', 'leading axis', [6, 5], [0], false],
    ['Mean', 'last axis (wasm kernel)', [3, 5, 4, 6], [3], true],
  ];
  test.each(cases)('%s over %s matches cpu', (kernel, _name, shape, axis, keepDims) => {
    checkAgainstCpu(kernel, { x: randomTensor(shape, 31) }, { axis, keepDims });
  });
});

describe('wasm Slice, SplitV and Identity', () => {
  const slices: [string, number[], number[], number[]][] = [
    ['a 4-D box', [4, 5, 6, 7], [1, 0, 2, 0], [2, 5, 3, 7]],
    ['whole trailing axes', [4, 5, 6], [1, 0, 0], [2, 5, 6]],
    ['size -1', [4, 5, 6], [0, 2, 1], [-1, -1, 4]],
    ['1-D', [50], [7], [20]],
    ['6-D', [2, 3, 2, 3, 2, 2], [1, 1, 0, 1, 1, 0], [1, 2, 2, 1, 1, 2]],
  ];
  test.each(slices)('Slice of %s matches cpu', (_name, shape, begin, size) => {
    const x = randomTensor(shape, 41);
    const reference = runKernelOn('cpu', tf.Slice, { x }, { begin, size }, true);
    const ours = runKernelOn('wasm', tf.Slice, { x }, { begin, size }, false);
    expect(ours.shape).toEqual(reference.shape);
    expect(Array.from(ours.values)).toEqual(Array.from(reference.values));
  });

  test('SplitV matches tf.split on cpu, on both axes', async () => {
    const values = randomTensor([6, 9], 42).values;
    const splitOn = async (backend: string, sizes: number[], axis: number) => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.split(tf.tensor2d(values, [6, 9]), sizes, axis).map((t) => [t.shape, Array.from(t.dataSync())]));
    };
    const cpu = [await splitOn('cpu', [1, 3, 2], 0), await splitOn('cpu', [2, -1, 4], 1)];
    const wasm = [await splitOn('wasm', [1, 3, 2], 0), await splitOn('wasm', [2, -1, 4], 1)];
    expect(wasm).toEqual(cpu);
  });

  test('Identity shares the data instead of copying it', () => {
    const backend = tf.findBackend('wasm') as tf.KernelBackend & { numDataIds(): number };
    const x = tf.tensor1d([1, 2, 3]);
    const before = backend.numDataIds();
    const y = tf.clone(x);
    expect(backend.numDataIds()).toBe(before);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(originalKernel(tf.Identity, 'wasm')).toBeDefined();
  });
});
