/**
 * The composed convolution gradients against the cpu backend's own kernels, on wasm (where they
 * are missing or slow) and on cpu, for strides 1 and 2, same/valid/explicit padding, odd sizes,
 * batch > 1 and channel multipliers 1 and 2. Each call must leave no data behind in the backend.
 */
import { selectBackend, tf } from '../../../src/stages/train/backend.js';
import { COMPOSED_KERNELS, registerComposedKernel } from '../../../src/stages/train/kernels/index.js';
import { randomTensor, relativeError, runKernelOn } from './kernels-helpers.js';

const TOLERANCE = 1e-5;

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
}

const CONV_CASES: ConvCase[] = [
  { name: '3x3 stride 1 same, batch 2', x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: '3x3 stride 1 valid', x: [2, 6, 5, 2], filter: [3, 3, 2, 3], strides: 1, pad: 'valid' },
  { name: '3x3 stride 2 same, odd size', x: [3, 9, 9, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 same, even size', x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 valid, odd size', x: [2, 9, 7, 2], filter: [3, 3, 2, 4], strides: 2, pad: 'valid' },
  { name: '5x5 stride 2 same, non-square', x: [2, 11, 6, 2], filter: [5, 5, 2, 3], strides: 2, pad: 'same' },
  { name: '1x1 stride 2 valid (unused rows)', x: [2, 8, 8, 2], filter: [1, 1, 2, 5], strides: 2, pad: 'valid' },
  { name: '2x3 strides [2,1] same', x: [1, 7, 6, 3], filter: [2, 3, 3, 2], strides: [2, 1], pad: 'same' },
  { name: '3x3 explicit pad 1, stride 2', x: [2, 8, 7, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1 },
];

function outShape(c: ConvCase, outChannels: number): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
  return [c.x[0], info.outHeight, info.outWidth, outChannels];
}

/** Runs the kernel on cpu (its own kernel: the reference), then our compositions on wasm and cpu. */
function checkAgainstCpu(kernelName: string, inputs: Parameters<typeof runKernelOn>[2], attrs: Record<string, unknown>) {
  const reference = runKernelOn('cpu', kernelName, inputs, attrs, true);
  for (const backend of ['wasm', 'cpu']) {
    const ours = runKernelOn(backend, kernelName, inputs, attrs, false);
    expect(ours.shape).toEqual(reference.shape);
    expect(relativeError(ours.values, reference.values)).toBeLessThan(TOLERANCE);
    expect(ours.leakedDataIds).toBe(0);
  }
}

beforeAll(async () => {
  await selectBackend('cpu');
  await selectBackend('wasm');
  // Register every composition on cpu too, so that each is checked on both backends.
  for (const name of COMPOSED_KERNELS) registerComposedKernel(name, 'cpu');
});

describe.each(CONV_CASES)('conv2d gradients: $name', (c) => {
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: 1 };
  const dy = randomTensor(outShape(c, c.filter[3]), 3);

  test('Conv2DBackpropFilter matches cpu', () => {
    checkAgainstCpu(tf.Conv2DBackpropFilter, { x: randomTensor(c.x, 1), dy }, { ...attrs, filterShape: c.filter });
  });

  test('Conv2DBackpropInput matches cpu', () => {
    checkAgainstCpu(tf.Conv2DBackpropInput, { dy, filter: randomTensor(c.filter, 2) }, { ...attrs, inputShape: c.x });
  });
});

describe.each(CONV_CASES.flatMap((c) => [1, 2].map((multiplier) => ({ ...c, multiplier }))))(
  'depthwise gradients: $name, multiplier $multiplier',
  (c) => {
    const filter: [number, number, number, number] = [c.filter[0], c.filter[1], c.x[3], c.multiplier];
    const attrs = { strides: c.strides, pad: c.pad, dilations: 1 };
    const dy = randomTensor(outShape({ ...c, filter }, c.x[3] * c.multiplier), 5);

    test('DepthwiseConv2dNativeBackpropFilter matches cpu', () => {
      checkAgainstCpu(tf.DepthwiseConv2dNativeBackpropFilter, { x: randomTensor(c.x, 4), dy }, { ...attrs, filterShape: filter });
    });

    test('DepthwiseConv2dNativeBackpropInput matches cpu', () => {
      checkAgainstCpu(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: randomTensor(filter, 6) }, { ...attrs, inputShape: c.x });
    });
  },
);
