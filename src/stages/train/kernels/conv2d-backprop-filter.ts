/**
 * Conv2DBackpropFilter as one convolution: dW[i,j,ci,co] = Σ_{n,oh,ow} x[n, s·oh+i, s·ow+j, ci] · dy[n,oh,ow,co]
 * is a stride-1 convolution whose "batch" is ci, whose "channels" are n and whose filter is dy
 * dilated by the stride. XNNPACK (wasm) and cpu's conv both run it as one big GEMM, which is far
 * faster than wasm's missing kernel (none) and cpu's own loop.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, defineKernel, type TensorInfo } from './compose.js';
import { convGeometry, inputWindow } from './conv-geometry.js';

export function conv2dBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return defineKernel(tf.Conv2DBackpropFilter, backendName, (inputs, attrs, backend) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const filterShape = attrs['filterShape'] as number[];
    const g = convGeometry(x.shape, filterShape, attrs, false);
    return compose(backend, backendName, (c) => {
      const [rows, cols] = inputWindow(g);
      const xWindow = c.padOrCrop(x, [[0, 0], rows, cols, [0, 0]]);
      const xT = c.transpose(xWindow, [3, 1, 2, 0]); // [ci, rows, cols, n]
      const dyT = c.transpose(dy, [1, 2, 0, 3]); // [oh, ow, n, co]
      const dwT = c.run('Conv2D', { x: xT, filter: dyT }, {
        strides: [1, 1],
        pad: 'valid',
        dataFormat: 'NHWC',
        dilations: [g.strideHeight, g.strideWidth],
      }); // [ci, fh, fw, co]
      return c.transpose(dwT, [1, 2, 0, 3]);
    });
  });
}
