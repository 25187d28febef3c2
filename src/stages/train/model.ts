/**
 * The dual encoder: image tower → pooled features; text tower → [CLS] → linear projection to
 * the image features' width; both L2-normalised. Holds the learnable temperature (as its log,
 * so it stays positive and moves in proportion to its size).
 */
import type { LossConfig } from '../../config/train.js';
import { tf } from './backend.js';
import { addImageTower, runImageTower } from './image-tower.js';
import { addDense, dense, l2Normalize } from './layers.js';
import { contrastiveLoss } from './loss.js';
import { Params } from './params.js';
import type { ModelSpec } from './presets.js';
import { Rng } from '../../util/rng.js';
import { addTextTower, runTextTower } from './text-tower.js';

export interface ModelOptions {
  spec: ModelSpec;
  loss: LossConfig;
  seed: number;
  /** The temperature's learning-rate multiplier. @default 1 */
  temperatureLrScale?: number;
  /** Token id of [PAD]. @default 0 */
  padId?: number;
}

export class DualEncoder {
  readonly params: Params;
  readonly spec: ModelSpec;
  private readonly loss: LossConfig;
  private readonly padId: number;

  constructor(options: ModelOptions) {
    this.spec = options.spec;
    this.loss = options.loss;
    this.padId = options.padId ?? 0;
    this.params = new Params(new Rng(options.seed));
    addImageTower(this.params, this.spec.image);
    addTextTower(this.params, this.spec.text);
    addDense(this.params, 'text/projection', this.spec.text.hidden, this.spec.embedDim, Math.sqrt(1 / this.spec.text.hidden));
    const scale = options.loss.learnTemperature ? (options.temperatureLrScale ?? 1) : 0;
    this.params.add('temperature/log', [], { kind: 'constant', value: Math.log(options.loss.temperatureInit) }, { decay: false, lrScale: scale });
  }

  /** [batch, res, res, 3] → [batch, embedDim], unit rows. */
  encodeImages(images: tf.Tensor4D): tf.Tensor2D {
    return l2Normalize(runImageTower(this.params, this.spec.image, images));
  }

  /** [batch, length] token ids → [batch, embedDim], unit rows. */
  encodeTexts(tokens: tf.Tensor2D): tf.Tensor2D {
    const cls = runTextTower(this.params, this.spec.text, tokens, this.padId);
    return l2Normalize(dense(cls, this.params, 'text/projection') as tf.Tensor2D);
  }

  /** τ = max(exp(log τ), temperatureMin). */
  temperature(): tf.Scalar {
    return tf.maximum(tf.exp(this.params.get('temperature/log')), this.loss.temperatureMin) as tf.Scalar;
  }

  /** The training loss of one batch (call inside tf.variableGrads or tf.tidy). */
  computeLoss(images: tf.Tensor4D, tokens: tf.Tensor2D): tf.Scalar {
    return contrastiveLoss(this.encodeImages(images), this.encodeTexts(tokens), this.temperature(), this.loss.labelSmoothing);
  }

  /** The current temperature as a number. */
  readTemperature(): number {
    return tf.tidy(() => this.temperature().dataSync()[0] as number);
  }

  dispose(): void {
    this.params.dispose();
  }
}
