/**
 * The few building blocks both towers share, written as plain tf ops (so the gradient of every
 * one is tf's own) and chosen for few, large ops: per-op overhead, not arithmetic, is what a
 * CPU backend spends most of a step on.
 */
import { tf } from './backend.js';
import type { Params } from './params.js';

/** x·W + b on the last axis, as one fused op. */
export function dense(x: tf.Tensor, params: Params, name: string): tf.Tensor {
  const w = params.get(`${name}/kernel`);
  const b = params.get(`${name}/bias`);
  const [inDim, outDim] = w.shape as [number, number];
  const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]);
  const y = tf.fused.matMul({ a: flat, b: w as tf.Tensor2D, bias: b });
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

export function addDense(params: Params, name: string, inDim: number, outDim: number, std?: number): void {
  params.add(`${name}/kernel`, [inDim, outDim], std === undefined ? { kind: 'he', fanIn: inDim } : { kind: 'normal', std });
  params.add(`${name}/bias`, [outDim], { kind: 'constant', value: 0 });
}

/** Layer normalisation over the last axis. */
export function layerNorm(x: tf.Tensor, params: Params, name: string, epsilon = 1e-5): tf.Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(normed, params.get(`${name}/gamma`)), params.get(`${name}/beta`));
}

export function addLayerNorm(params: Params, name: string, dim: number): void {
  params.add(`${name}/gamma`, [dim], { kind: 'constant', value: 1 }, { decay: false });
  params.add(`${name}/beta`, [dim], { kind: 'constant', value: 0 }, { decay: false });
}

/** swish(x) = x·σ(x) (EfficientNet's activation). */
export function swish(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** GELU, exact form 0.5·x·(1 + erf(x/√2)) (BERT's activation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/** Rows scaled to unit L2 norm. */
export function l2Normalize(x: tf.Tensor2D, epsilon = 1e-12): tf.Tensor2D {
  const sumSq = tf.sum(tf.square(x), 1, true);
  return tf.mul(x, tf.rsqrt(tf.maximum(sumSq, epsilon)));
}
