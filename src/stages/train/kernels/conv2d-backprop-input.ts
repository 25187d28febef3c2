/**
 * Conv2DBackpropInput as one stride-1 convolution of dy (dilated by the stride and padded) with
 * the filter flipped in space and its channel axes swapped. wasm has this kernel, but as a plain
 * loop; a convolution goes through XNNPACK.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, defineKernel, type TensorInfo } from './compose.js';
import { convGeometry, dilateAndPad, gradientWindow } from './conv-geometry.js';

export function conv2dBackpropInputConfig(backendName: string): tf.KernelConfig {
  return defineKernel(tf.Conv2DBackpropInput, backendName, (inputs, attrs, backend) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const g = convGeometry(attrs['inputShape'] as number[], filter.shape, attrs, false);
    return compose(backend, backendName, (c) => {
      const dyPadded = dilateAndPad(c, dy, g.strideHeight, g.strideWidth, gradientWindow(g));
      const flipped = c.run('Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = c.transpose(flipped, [0, 1, 3, 2]); // [fh, fw, co, ci]
      return c.run('Conv2D', { x: dyPadded, filter: swapped }, {
        strides: [1, 1],
        pad: 'valid',
        dataFormat: 'NHWC',
        dilations: [1, 1],
      });
    });
  });
}
