/**
 * Adam / AdamW over all parameters at once, with gradient clipping by global norm and a
 * warm-up + decay schedule.
 *
 * The gradients are concatenated into one flat vector, and the moments live as two flat
 * vectors: the update is a dozen ops in all instead of a dozen per parameter, which matters
 * on backends where each op costs more than its arithmetic.
 */
import type { OptimizerConfig } from '../../config/train.js';
import { tf } from './backend.js';
import type { ParamSpec } from './params.js';

export interface OptimizerState {
  /** Updates applied so far (Adam's bias correction needs it). */
  updates: number;
  m: Float32Array;
  v: Float32Array;
}

export class FlatAdam {
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;
  /** Per-element learning-rate multipliers and weight-decay switches, flat like the moments. */
  private readonly lrScale: tf.Tensor1D;
  private readonly decayMask: tf.Tensor1D;
  private readonly sizes: number[];
  updates = 0;

  constructor(
    private readonly config: OptimizerConfig,
    specs: readonly ParamSpec[],
  ) {
    this.sizes = specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.variable(tf.zeros([total]), false);
    this.v = tf.variable(tf.zeros([total]), false);
    this.lrScale = tf.tensor1d(expand(specs, this.sizes, (s) => s.lrScale));
    this.decayMask = tf.tensor1d(expand(specs, this.sizes, (s) => (s.decay ? 1 : 0)));
  }

  /**
   * Applies one update to `variables` (in spec order) from their gradients; returns the global
   * gradient norm before clipping (a scalar tensor the caller disposes).
   */
  apply(variables: tf.Variable[], grads: tf.Tensor[], learningRate: number): tf.Scalar {
    this.updates++;
    const { beta1, beta2, epsilon, weightDecay, clipNorm } = this.config;
    const t = this.updates;
    return tf.tidy(() => {
      let g = tf.concat(grads.map((x) => tf.reshape(x, [-1]))) as tf.Tensor1D;
      const norm = tf.sqrt(tf.sum(tf.square(g)));
      if (clipNorm > 0) g = tf.mul(g, tf.minimum(1, tf.div(clipNorm, tf.add(norm, 1e-6))));
      const p = tf.concat(variables.map((x) => tf.reshape(x, [-1]))) as tf.Tensor1D;
      const decay = tf.mul(this.decayMask, weightDecay);
      if (this.config.name === 'adam' && weightDecay > 0) g = tf.add(g, tf.mul(decay, p));
      this.m.assign(tf.add(tf.mul(this.m, beta1), tf.mul(g, 1 - beta1)));
      this.v.assign(tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(g), 1 - beta2)));
      const stepSize = learningRate * (Math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t));
      let update = tf.div(this.m, tf.add(tf.sqrt(this.v), epsilon));
      if (this.config.name === 'adamw' && weightDecay > 0) {
        update = tf.add(update, tf.mul(decay, p).div(stepSize / learningRate));
      }
      const next = tf.sub(p, tf.mul(update, tf.mul(this.lrScale, stepSize)));
      tf.split(next, this.sizes).forEach((part, i) => {
        const variable = variables[i] as tf.Variable;
        variable.assign(tf.reshape(part, variable.shape));
      });
      return norm as tf.Scalar;
    });
  }

  async state(): Promise<OptimizerState> {
    return { updates: this.updates, m: (await this.m.data()) as Float32Array, v: (await this.v.data()) as Float32Array };
  }

  restore(state: OptimizerState): void {
    if (state.m.length !== this.m.size) throw new Error('the optimiser state does not fit this model');
    this.updates = state.updates;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(state.m));
      this.v.assign(tf.tensor1d(state.v));
    });
  }

  dispose(): void {
    tf.dispose([this.m, this.v, this.lrScale, this.decayMask]);
  }
}

function expand(specs: readonly ParamSpec[], sizes: number[], value: (s: ParamSpec) => number): Float32Array {
  const out = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  specs.forEach((s, i) => {
    const n = sizes[i] as number;
    out.fill(value(s), offset, offset + n);
    offset += n;
  });
  return out;
}

/**
 * The learning rate at a step: linear warm-up to the peak, then decay to
 * finalLearningRateFraction × peak as `progress` (0…1 of the run's budget) goes to 1.
 */
export function learningRateAt(config: OptimizerConfig, step: number, progress: number): number {
  const peak = config.learningRate;
  if (step < config.warmupSteps) return (peak * (step + 1)) / (config.warmupSteps + 1);
  const floor = peak * config.finalLearningRateFraction;
  const p = Math.min(1, Math.max(0, progress));
  if (config.schedule === 'constant') return peak;
  if (config.schedule === 'linear') return floor + (peak - floor) * (1 - p);
  return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * p));
}
