/**
 * One training step and one embedding pass, each inside tf.tidy so that every intermediate
 * tensor is freed: tf.memory().numTensors is the same after each step as before it.
 */
import { tf } from './backend.js';
import type { Batch } from './batches.js';
import type { DualEncoder } from './model.js';
import type { FlatAdam } from './optimizer.js';

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
