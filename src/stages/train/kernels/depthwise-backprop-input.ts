/**
 * DepthwiseConv2dNativeBackpropInput as one stride-1 depthwise convolution of dy (dilated by the
 * stride and padded) with the spatially flipped filter; with a channel multiplier M the C·M
 * outputs are summed back to C.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, defineKernel, type TensorInfo } from './compose.js';
import { convGeometry, dilateAndPad, gradientWindow } from './conv-geometry.js';

export function depthwiseBackpropInputConfig(backendName: string): tf.KernelConfig {
  return defineKernel(tf.DepthwiseConv2dNativeBackpropInput, backendName, (inputs, attrs, backend) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const inputShape = attrs['inputShape'] as [number, number, number, number];
    const g = convGeometry(inputShape, filter.shape, attrs, true);
    const [fh, fw, channels, multiplier] = filter.shape as [number, number, number, number];
    return compose(backend, backendName, (c) => {
      const dyPadded = dilateAndPad(c, dy, g.strideHeight, g.strideWidth, gradientWindow(g));
      const flipped = c.reshape(c.run('Reverse', { x: filter }, { dims: [0, 1] }), [fh, fw, channels * multiplier, 1]);
      const dx = c.run('DepthwiseConv2dNative', { x: dyPadded, filter: flipped }, {
        strides: [1, 1],
        pad: 'valid',
        dataFormat: 'NHWC',
        dilations: [1, 1],
      });
      if (multiplier === 1) return dx;
      return c.sum(c.reshape(dx, [...inputShape, multiplier]), [4]);
    });
  });
}
