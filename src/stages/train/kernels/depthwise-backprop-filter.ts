/**
 * DepthwiseConv2dNativeBackpropFilter: dW[i,j,c,m] = Σ_{n,oh,ow} x[n, s·oh+i, s·ow+j, c] · dy[n,oh,ow,c·M+m].
 *
 * One pass in JavaScript over views of the inputs. The result is tiny (fh·fw·C·M) and the work
 * is one multiply-add per tap and input element; every composition of wasm ops measured slower
 * (as a depthwise convolution with dy as a 32×32 filter XNNPACK has no fast path; as im2col,
 * wasm's GatherV2 and Tile move rows one element at a time). Sums are kept in float64.
 */
import * as tf from '@tensorflow/tfjs';
import { defineKernel, type TensorInfo } from './compose.js';
import { convGeometry, type ConvGeometry } from './conv-geometry.js';
import { outputData, viewData } from './host-data.js';

export function depthwiseBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return defineKernel(tf.DepthwiseConv2dNativeBackpropFilter, backendName, (inputs, attrs, backend) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const filterShape = attrs['filterShape'] as [number, number, number, number];
    const g = convGeometry(x.shape, filterShape, attrs, true);
    const sums = accumulateTaps(viewData(backend, backendName, x), viewData(backend, backendName, dy), g, filterShape[3]);
    return outputData(backend, backendName, filterShape, Float32Array.from(sums));
  });
}

function accumulateTaps(x: Float32Array, dy: Float32Array, g: ConvGeometry, multiplier: number): Float64Array {
  const channels = g.inChannels;
  const outChannels = channels * multiplier;
  const sums = new Float64Array(g.filterHeight * g.filterWidth * outChannels);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let ow = 0; ow < g.outWidth; ow++) {
        const dyBase = ((n * g.outHeight + oh) * g.outWidth + ow) * outChannels;
        for (let i = 0; i < g.filterHeight; i++) {
          const h = oh * g.strideHeight + i - g.padTop;
          if (h < 0 || h >= g.inHeight) continue;
          for (let j = 0; j < g.filterWidth; j++) {
            const w = ow * g.strideWidth + j - g.padLeft;
            if (w < 0 || w >= g.inWidth) continue;
            const xBase = ((n * g.inHeight + h) * g.inWidth + w) * channels;
            const sumBase = (i * g.filterWidth + j) * outChannels;
            if (multiplier === 1) {
              for (let c = 0; c < channels; c++) sums[sumBase + c]! += x[xBase + c]! * dy[dyBase + c]!;
            } else {
              for (let c = 0; c < channels; c++) {
                const xv = x[xBase + c]!;
                for (let m = 0; m < multiplier; m++) {
                  const k = c * multiplier + m;
                  sums[sumBase + k]! += xv * dy[dyBase + k]!;
                }
              }
            }
          }
        }
      }
    }
  }
  return sums;
}
