/**
 * DepthwiseConv2dNativeBackpropFilter as one depthwise convolution: put the batch next to the
 * channels (n·C "channels" of one image) and use dy, dilated by the stride, as the filter; the
 * output holds each tap's product per (n, c), and one sum over n finishes it.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, defineKernel, type TensorInfo } from './compose.js';
import { convGeometry, inputWindow } from './conv-geometry.js';

export function depthwiseBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return defineKernel(tf.DepthwiseConv2dNativeBackpropFilter, backendName, (inputs, attrs, backend) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const filterShape = attrs['filterShape'] as [number, number, number, number];
    const g = convGeometry(x.shape, filterShape, attrs, true);
    const [fh, fw, channels, multiplier] = filterShape;
    const n = g.batch;
    return compose(backend, backendName, (c) => {
      const [rows, cols] = inputWindow(g);
      const xWindow = c.padOrCrop(x, [[0, 0], rows, cols, [0, 0]]);
      const xT = c.transpose(xWindow, [1, 2, 0, 3]); // [rows, cols, n, C]
      const xImage = c.reshape(xT, [1, xT.shape[0]!, xT.shape[1]!, n * channels]);
      const dyT = c.transpose(dy, [1, 2, 0, 3]); // [oh, ow, n, C·M]
      const dyFilter = c.reshape(dyT, [g.outHeight, g.outWidth, n * channels, multiplier]);
      const taps = c.run('DepthwiseConv2dNative', { x: xImage, filter: dyFilter }, {
        strides: [1, 1],
        pad: 'valid',
        dataFormat: 'NHWC',
        dilations: [g.strideHeight, g.strideWidth],
      }); // [1, fh, fw, n·C·M]
      const perSample = c.reshape(taps, [fh, fw, n, channels * multiplier]);
      return c.reshape(c.sum(perSample, [2]), filterShape);
    });
  });
}
