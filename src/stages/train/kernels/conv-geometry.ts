/**
 * The geometry shared by the convolution gradients: where the forward pass put each tap.
 * A forward NHWC convolution reads x[s·o + i − padTop] for output row o and tap i.
 */
import * as tf from '@tensorflow/tfjs';
import type { Attrs, Composer, TensorInfo } from './compose.js';

export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

type Shape4 = [number, number, number, number];

/** Geometry of the forward convolution that a gradient kernel belongs to (NHWC, dilation 1). */
export function convGeometry(inShape: number[], filterShape: number[], attrs: Attrs, depthwise: boolean): ConvGeometry {
  const format = attrs['dataFormat'];
  if (format !== undefined && format !== 'NHWC') throw new Error(`only NHWC is supported, got ${String(format)}`);
  const dilations = (attrs['dilations'] ?? 1) as number | [number, number];
  if ((Array.isArray(dilations) ? dilations : [dilations]).some((d) => d !== 1)) {
    throw new Error(`gradients need dilation 1, got ${String(dilations)}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape as Shape4,
    filterShape as Shape4,
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'same' | 'valid' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    depthwise,
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * Pad (or crop) amounts that turn x's rows into exactly the (out−1)·s + f rows the forward pass
 * read, starting at the first tap: [[top, bottom], [left, right]].
 */
export function inputWindow(g: ConvGeometry): [[number, number], [number, number]] {
  const needH = (g.outHeight - 1) * g.strideHeight + g.filterHeight;
  const needW = (g.outWidth - 1) * g.strideWidth + g.filterWidth;
  return [
    [g.padTop, needH - g.inHeight - g.padTop],
    [g.padLeft, needW - g.inWidth - g.padLeft],
  ];
}

/**
 * Pad amounts for the gradient with respect to the input: dy dilated by the stride, padded so
 * that a stride-1 valid convolution with the flipped filter yields exactly the input's size.
 * Measured on the dilated length (out−1)·s + 1.
 */
export function gradientWindow(g: ConvGeometry): [[number, number], [number, number]] {
  const top = g.filterHeight - 1 - g.padTop;
  const left = g.filterWidth - 1 - g.padLeft;
  const dilatedH = (g.outHeight - 1) * g.strideHeight + 1;
  const dilatedW = (g.outWidth - 1) * g.strideWidth + 1;
  return [
    [top, g.inHeight + g.filterHeight - 1 - top - dilatedH],
    [left, g.inWidth + g.filterWidth - 1 - left - dilatedW],
  ];
}

/**
 * dy spread out by the stride (s−1 zeros between rows and columns) and padded by `window`
 * (measured on the dilated length): the input of a stride-1 convolution that computes dx.
 */
export function dilateAndPad(
  c: Composer,
  dy: TensorInfo,
  strideHeight: number,
  strideWidth: number,
  window: [[number, number], [number, number]],
): TensorInfo {
  const [[top, bottom], [left, right]] = window;
  if (strideHeight === 1 && strideWidth === 1) return c.padOrCrop(dy, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  const [n, h, w, ch] = dy.shape as Shape4;
  // One pad of a 6-D view interleaves the zeros; it leaves s−1 extra zeros at the end.
  let y = c.reshape(dy, [n, h, 1, w, 1, ch]);
  y = c.padOrCrop(y, [[0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0]]);
  y = c.reshape(y, [n, h * strideHeight, w * strideWidth, ch]);
  return c.padOrCrop(y, [
    [0, 0],
    [top, bottom - (strideHeight - 1)],
    [left, right - (strideWidth - 1)],
    [0, 0],
  ]);
}
