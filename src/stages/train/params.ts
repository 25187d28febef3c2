/**
 * The model's trainable variables, by name, initialised from the run's seed in JavaScript so a
 * seed gives the same weights on every backend. Serialises to one float32 blob plus a JSON list
 * of names and shapes (the checkpoint format).
 */
import { tf } from './backend.js';
import type { Rng } from '../../util/rng.js';

export type Init =
  | { kind: 'he'; fanIn: number }
  | { kind: 'normal'; std: number }
  | { kind: 'constant'; value: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  /** Weight decay applies (kernels and embeddings; not biases, norms or the temperature). */
  decay: boolean;
  /** Learning-rate multiplier. */
  lrScale: number;
}

export class Params {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly specs: ParamSpec[] = [];

  constructor(private readonly rng: Rng) {}

  /** Creates a variable; names are unique. */
  add(name: string, shape: number[], init: Init, options: { decay?: boolean; lrScale?: number } = {}): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter ${name} defined twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init.kind === 'constant') values.fill(init.value);
    else {
      const std = (init.kind === 'he' ? Math.sqrt(2 / init.fanIn) : init.std) / TRUNCATED_STD;
      for (let i = 0; i < size; i++) values[i] = truncatedNormal(this.rng) * std;
    }
    // tf names variables itself: names are global to the engine, and two models may coexist.
    const v = tf.variable(tf.tensor(values, shape), true);
    this.vars.set(name, v);
    this.specs.push({ name, shape, decay: options.decay ?? shape.length > 1, lrScale: options.lrScale ?? 1 });
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  /** Variables in creation order (the order of the checkpoint and the optimiser state). */
  list(): tf.Variable[] {
    return this.specs.map((s) => this.get(s.name));
  }

  describe(): readonly ParamSpec[] {
    return this.specs;
  }

  count(): number {
    return this.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** All weights, concatenated in creation order. */
  async read(): Promise<Float32Array> {
    const out = new Float32Array(this.count());
    let offset = 0;
    for (const v of this.list()) {
      const data = (await v.data()) as Float32Array;
      out.set(data, offset);
      offset += data.length;
    }
    return out;
  }

  /** Loads weights saved by read(); the names and shapes must match. */
  write(specs: readonly { name: string; shape: number[] }[], data: Float32Array): void {
    const mismatch = specs.length !== this.specs.length || specs.some((s, i) => s.name !== this.specs[i]?.name || s.shape.join() !== this.specs[i]?.shape.join());
    if (mismatch) throw new Error('the checkpoint was made by a different model (parameter names or shapes differ)');
    let offset = 0;
    for (const spec of this.specs) {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const t = tf.tensor(data.subarray(offset, offset + size), spec.shape);
      this.get(spec.name).assign(t);
      t.dispose();
      offset += size;
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.specs.length = 0;
  }
}

/** The standard deviation of a unit normal truncated at ±2, divided out so the asked-for std holds. */
const TRUNCATED_STD = 0.87962566;

/** Normal truncated at two standard deviations (as Keras' initialisers). */
function truncatedNormal(rng: Rng): number {
  for (;;) {
    const x = rng.normal();
    if (Math.abs(x) <= 2) return x;
  }
}
