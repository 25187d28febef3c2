/**
 * One training step and one embedding pass, each inside tf.tidy so that every intermediate
 * tensor is freed: tf.memory().numTensors is the same after each step as before it.
 */
import { tf } from './backend.js';
import type { Batch } from './batches.js';
import type { DualEncoder } from './model.js';
import type { FlatAdam } from './optimizer.js';
import { decodeImage } from './decode.js';
import type { WordPieceTokenizer } from './tokenizer.js';

export interface StepResult {
  loss: number;
  gradNorm: number;
  temperature: number;
}

export function batchTensors(batch: Batch, resolution: number): { images: tf.Tensor4D; tokens: tf.Tensor2D } {
  return {
    images: tf.tensor4d(batch.images, [batch.size, resolution, resolution, 3]),
    tokens: tf.tensor2d(batch.tokens, [batch.size, batch.length], 'int32'),
  };
}

/** Forward, backward and one optimiser update. */
export function trainStep(model: DualEncoder, optimizer: FlatAdam, batch: Batch, learningRate: number): StepResult {
  const variables = model.params.list();
  const [loss, gradNorm, temperature] = tf.tidy(() => {
    const { images, tokens } = batchTensors(batch, model.spec.image.resolution);
    const { value, grads } = tf.variableGrads(() => model.computeLoss(images, tokens), variables);
    const norm = optimizer.apply(
      variables,
      variables.map((v) => grads[v.name] as tf.Tensor),
      learningRate,
    );
    return [value.dataSync()[0] as number, norm.dataSync()[0] as number, model.readTemperature()];
  });
  return { loss, gradNorm, temperature };
}

/** The loss of a batch without updating anything. */
export function evaluateLoss(model: DualEncoder, batch: Batch): number {
  return tf.tidy(() => {
    const { images, tokens } = batchTensors(batch, model.spec.image.resolution);
    return model.computeLoss(images, tokens).dataSync()[0] as number;
  });
}

/** Unit image and text embeddings of a batch, row-major. */
export async function embedBatch(model: DualEncoder, batch: Batch): Promise<{ image: Float32Array; text: Float32Array }> {
  const [image, text] = tf.tidy(() => {
    const { images, tokens } = batchTensors(batch, model.spec.image.resolution);
    return [model.encodeImages(images), model.encodeTexts(tokens)];
  });
  try {
    return { image: (await image.data()) as Float32Array, text: (await text.data()) as Float32Array };
  } finally {
    tf.dispose([image, text]);
  }
}

/** Token ids of texts, [PAD]-padded to the longest. */
export function tokenize(tokenizer: WordPieceTokenizer, texts: readonly string[], maxTokens: number): { tokens: Int32Array; size: number; length: number } {
  const ids = texts.map((t) => tokenizer.encode(t, { maxTokens }));
  const length = Math.max(1, ...ids.map((t) => t.length));
  const tokens = new Int32Array(texts.length * length).fill(tokenizer.padId);
  ids.forEach((t, b) => tokens.set(t, b * length));
  return { tokens, size: texts.length, length };
}

/** Unit text embeddings of tokenised texts, row-major (the text tower alone). */
export async function embedTokens(model: DualEncoder, t: { tokens: Int32Array; size: number; length: number }): Promise<Float32Array> {
  if (t.size === 0) return new Float32Array(0);
  const out = tf.tidy(() => model.encodeTexts(tf.tensor2d(t.tokens, [t.size, t.length], 'int32')));
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

/**
 * Unit image embeddings of encoded images (centre crops, as eval sees them); an image that does
 * not decode gets a zero row and ok = false, so the caller records it and the batch goes on.
 */
export async function embedImageBytes(model: DualEncoder, images: readonly Buffer[]): Promise<{ vectors: Float32Array; ok: boolean[] }> {
  const res = model.spec.image.resolution;
  const dim = model.spec.embedDim;
  const pixels = await Promise.all(images.map((b) => decodeImage(b, res)));
  const good = pixels.flatMap((p, i) => (p ? [i] : []));
  const vectors = new Float32Array(images.length * dim);
  const ok = pixels.map((p) => p !== null);
  if (good.length === 0) return { vectors, ok };
  const per = res * res * 3;
  const input = new Float32Array(good.length * per);
  good.forEach((i, b) => {
    const p = pixels[i] as Uint8Array;
    for (let k = 0; k < per; k++) input[b * per + k] = (p[k] as number) / 127.5 - 1;
  });
  const out = tf.tidy(() => model.encodeImages(tf.tensor4d(input, [good.length, res, res, 3])));
  try {
    const data = (await out.data()) as Float32Array;
    good.forEach((i, b) => vectors.set(data.subarray(b * dim, (b + 1) * dim), i * dim));
  } finally {
    out.dispose();
  }
  return { vectors, ok };
}
