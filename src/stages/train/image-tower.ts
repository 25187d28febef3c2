/**
 * EfficientNet-style image encoder: a 3×3 stride-2 stem conv, MBConv blocks (1×1 expansion,
 * depthwise conv, squeeze-and-excitation, 1×1 projection, residual when shapes allow), a 1×1
 * head conv, swish throughout, and global average pooling.
 *
 * 1×1 convolutions run as matrix products on [pixels, channels]: same arithmetic as conv2d,
 * but their gradients are plain matMuls, which every backend has and runs fast.
 *
 * No batch norm: its running statistics would make training and eval differ, and it would
 * triple the ops per block. Instead every layer is initialised for unit-variance outputs given
 * what feeds it (swish passes on about 0.355 of its input's second moment, a squeeze-excite gate
 * about 0.25), as batch norm would leave them at step 0; and residual branches start small
 * (a tenth of the usual scale, after SkipInit), which keeps deep stacks trainable.
 */
import { tf } from './backend.js';
import { addDense, dense, swish } from './layers.js';
import type { Params } from './params.js';
import type { BlockSpec, ImageTowerSpec } from './presets.js';

const RESIDUAL_INIT_SCALE = 0.1;
/** E[swish(z)²] for z ~ N(0, 1). */
const SWISH_MOMENT = 0.355;
/** E[σ(z)²] for a gate near σ(0): the squeeze-excite multiplier's second moment at init. */
const GATE_MOMENT = 0.25;
/** Inputs are uniform in [-1, 1]: second moment 1/3. */
const INPUT_MOMENT = 1 / 3;

/** Standard deviation giving unit-variance outputs from fanIn inputs of the given second moment. */
function unitStd(fanIn: number, inputMoment = 1): number {
  return Math.sqrt(1 / (fanIn * inputMoment));
}

export function addImageTower(params: Params, spec: ImageTowerSpec): void {
  params.add('image/stem/kernel', [3, 3, 3, spec.stem], { kind: 'normal', std: unitStd(27, INPUT_MOMENT) });
  params.add('image/stem/bias', [spec.stem], { kind: 'constant', value: 0 });
  spec.blocks.forEach((block, i) => addBlock(params, `image/block${i}`, block, spec.seRatio));
  const last = spec.blocks[spec.blocks.length - 1]?.output ?? spec.stem;
  addDense(params, 'image/head', last, spec.head, unitStd(last));
}

function addBlock(params: Params, name: string, b: BlockSpec, seRatio: number): void {
  const mid = b.input * b.expand;
  if (b.expand !== 1) addDense(params, `${name}/expand`, b.input, mid, unitStd(b.input));
  params.add(`${name}/depthwise/kernel`, [b.kernel, b.kernel, mid, 1], { kind: 'normal', std: unitStd(b.kernel * b.kernel, SWISH_MOMENT) });
  params.add(`${name}/depthwise/bias`, [mid], { kind: 'constant', value: 0 });
  const squeezed = Math.max(1, Math.floor(b.input * seRatio));
  addDense(params, `${name}/se/reduce`, mid, squeezed, unitStd(mid, SWISH_MOMENT));
  addDense(params, `${name}/se/expand`, squeezed, mid, unitStd(squeezed, SWISH_MOMENT));
  const residual = b.stride === 1 && b.input === b.output;
  addDense(params, `${name}/project`, mid, b.output, unitStd(mid, SWISH_MOMENT * GATE_MOMENT) * (residual ? RESIDUAL_INIT_SCALE : 1));
}

/** [batch, res, res, 3] in [-1, 1] → [batch, head] pooled features. */
export function runImageTower(params: Params, spec: ImageTowerSpec, images: tf.Tensor4D): tf.Tensor2D {
  // Not the fused conv: its gradient computes the input's gradient too, which for the images
  // is wasted work (the plain conv's is skipped, as nothing upstream learns).
  const stem = tf.conv2d(images, params.get('image/stem/kernel') as tf.Tensor4D, 2, 'same');
  let x = swish(tf.add(stem, params.get('image/stem/bias'))) as tf.Tensor4D;
  spec.blocks.forEach((block, i) => {
    x = runBlock(params, `image/block${i}`, block, x);
  });
  const head = swish(pointwise(x, params, 'image/head')) as tf.Tensor4D;
  return tf.mean(head, [1, 2]) as tf.Tensor2D;
}

function runBlock(params: Params, name: string, b: BlockSpec, input: tf.Tensor4D): tf.Tensor4D {
  let x = input;
  if (b.expand !== 1) x = swish(pointwise(x, params, `${name}/expand`)) as tf.Tensor4D;
  x = swish(
    tf.fused.depthwiseConv2d({
      x,
      filter: params.get(`${name}/depthwise/kernel`) as tf.Tensor4D,
      strides: b.stride,
      pad: 'same',
      bias: params.get(`${name}/depthwise/bias`),
    }),
  ) as tf.Tensor4D;
  x = squeezeExcite(params, `${name}/se`, x);
  x = pointwise(x, params, `${name}/project`);
  return b.stride === 1 && b.input === b.output ? tf.add(x, input) : x;
}

/** Channel gates from the pooled block: σ(W2·swish(W1·mean(x))). */
function squeezeExcite(params: Params, name: string, x: tf.Tensor4D): tf.Tensor4D {
  const [batch, , , channels] = x.shape;
  const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
  const gates = tf.sigmoid(dense(swish(dense(pooled, params, `${name}/reduce`)), params, `${name}/expand`));
  return tf.mul(x, tf.reshape(gates, [batch, 1, 1, channels]));
}

/** A 1×1 convolution as a matrix product over all pixels. */
function pointwise(x: tf.Tensor4D, params: Params, name: string): tf.Tensor4D {
  return dense(x, params, name) as tf.Tensor4D;
}
