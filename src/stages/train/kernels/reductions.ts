/**
 * Sum and Mean for wasm, for the reductions a backward pass is made of. wasm's own kernels
 * transpose the reduced axes to the end (a full copy) and then reduce with a scalar loop.
 * - Over leading axes (bias gradients: dy summed over every row): one GEMV with a row of ones
 *   through XNNPACK, 3–20× faster.
 * - Mean over height and width of NHWC (global pooling, squeeze-and-excitation): XNNPACK's
 *   average pooling with the whole image as the window, 3–6× faster.
 * Anything else goes to wasm's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, defineKernel, originalKernel, type Attrs, type Composer, type TensorInfo } from './compose.js';

type Reduction = 'Sum' | 'Mean';

export function reductionConfig(kernelName: Reduction, backendName: string): tf.KernelConfig {
  return defineKernel(kernelName, backendName, (inputs, attrs, backend) => {
    const x = inputs['x']!;
    const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape).sort((a, b) => a - b);
    const keepDims = Boolean(attrs['keepDims']);
    const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d)).filter((_, i) => keepDims || !axes.includes(i));
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    const spatial = kernelName === 'Mean' && x.shape.length === 4 && axes.length === 2 && axes[0] === 1 && axes[1] === 2;
    if (x.dtype !== 'float32' || !(leading || spatial)) {
      return originalKernel(kernelName, backendName)!.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend }) as TensorInfo;
    }
    return compose(backend, backendName, (c) => {
      const reduced = leading ? reduceLeading(c, x, axes.length, kernelName) : averageSpatial(c, x);
      return c.reshape(reduced, outShape);
    });
  });
}

function reduceLeading(c: Composer, x: TensorInfo, count: number, kernelName: Reduction): TensorInfo {
  const rows = x.shape.slice(0, count).reduce((a, b) => a * b, 1);
  const cols = x.shape.slice(count).reduce((a, b) => a * b, 1);
  const weight = kernelName === 'Mean' ? 1 / rows : 1;
  const ones = c.constant(new Float32Array(rows).fill(weight), [1, rows], 'float32');
  const matrix = c.reshape(x, [rows, cols]);
  return c.runOriginal(tf.BatchMatMul, { a: ones, b: matrix }, { transposeA: false, transposeB: false });
}

function averageSpatial(c: Composer, x: TensorInfo): TensorInfo {
  const attrs: Attrs = { filterSize: [x.shape[1]!, x.shape[2]!], strides: [1, 1], pad: 'valid', dimRoundingMode: undefined };
  return c.run(tf.AvgPool, { x }, attrs);
}
