/**
 * Building kernels out of other kernels, inside a backend.
 *
 * A composed kernel calls the backend's own kernel functions directly (not tf ops): the engine
 * then sees one kernel, not a dozen, so there is no tape, no tracking and less per-op overhead,
 * and every intermediate is a TensorInfo that `Composer.dispose` frees, so nothing leaks.
 * Kernels this module overrides keep their original config here, so compositions (and tests)
 * can still call the backend's own version.
 */
import * as tf from '@tensorflow/tfjs';

export type TensorInfo = tf.TensorInfo;
export type Attrs = Record<string, unknown>;
type Backend = tf.KernelBackend;

/** Original kernel configs of kernels we replaced, by `backend/kernel`. */
const originals = new Map<string, tf.KernelConfig>();

export function rememberOriginal(config: tf.KernelConfig): void {
  const key = `${config.backendName}/${config.kernelName}`;
  if (!originals.has(key)) originals.set(key, config);
}

/** The backend's own kernel for `kernelName`, even if this module replaced it. */
export function originalKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return originals.get(`${backendName}/${kernelName}`) ?? tf.getKernel(kernelName, backendName);
}

/** Runs kernels of one backend and frees every intermediate it made, except the kept result. */
export class Composer {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: Backend,
    readonly backendName: string,
  ) {}

  /** Runs the kernel registered now (ours where we replaced one). */
  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: Attrs = {}): TensorInfo {
    return this.call(tf.getKernel(kernelName, this.backendName), kernelName, inputs, attrs);
  }

  /** Runs the backend's own kernel (a replacement calling the kernel it replaces). */
  runOriginal(kernelName: string, inputs: Record<string, TensorInfo>, attrs: Attrs = {}): TensorInfo {
    return this.call(originalKernel(kernelName, this.backendName), kernelName, inputs, attrs);
  }

  private call(config: tf.KernelConfig | undefined, kernelName: string, inputs: Record<string, TensorInfo>, attrs: Attrs): TensorInfo {
    if (config === undefined) throw new Error(`kernel ${kernelName} is not registered for ${this.backendName}`);
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs: attrs as tf.NamedAttrMap });
    const info = (Array.isArray(out) ? out[0] : out) as TensorInfo;
    this.temps.push(info);
    return info;
  }

  /** A constant made in this backend (freed with the other intermediates). */
  constant(values: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32'): TensorInfo {
    const info: TensorInfo = { dataId: this.backend.write(values, shape, dtype), shape, dtype };
    this.temps.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return sameShape(x.shape, shape) ? x : this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return perm.every((p, i) => p === i) ? x : this.run('Transpose', { x }, { perm });
  }

  /** Pads with zeros; negative amounts crop. */
  padOrCrop(x: TensorInfo, amounts: [number, number][]): TensorInfo {
    const paddings = amounts.map(([a, b]) => [Math.max(0, a), Math.max(0, b)]);
    let y = paddings.some(([a, b]) => a! > 0 || b! > 0) ? this.run('PadV2', { x }, { paddings, constantValue: 0 }) : x;
    if (amounts.some(([a, b]) => a < 0 || b < 0)) {
      const begin = amounts.map(([a]) => Math.max(0, -a));
      const size = y.shape.map((d, i) => d - begin[i]! - Math.max(0, -amounts[i]![1]));
      y = this.run('Slice', { x: y }, { begin, size });
    }
    return y;
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return sameShape(x.shape, size) ? x : this.run('Slice', { x }, { begin, size });
  }

  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return axis.length === 0 ? x : this.run('Sum', { x }, { axis, keepDims: false });
  }

  /** Keeps `result` alive and frees everything else this composer made. */
  finish(result: TensorInfo): TensorInfo {
    let kept = false;
    for (const t of this.temps) {
      if (t === result && !kept) {
        kept = true;
        continue;
      }
      this.backend.disposeData(t.dataId);
    }
    this.temps.length = 0;
    // An input returned as is still belongs to the caller: hand the engine its own reference.
    if (!kept) return this.run('Identity', { x: result });
    return result;
  }

  /** Frees everything (on an error path). */
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` with a composer for this kernel call, freeing intermediates even if it throws. */
export function compose(backend: Backend, backendName: string, body: (c: Composer) => TensorInfo): TensorInfo {
  const c = new Composer(backend, backendName);
  try {
    return c.finish(body(c));
  } catch (err) {
    c.dispose();
    throw err;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export type KernelBody = (inputs: Record<string, TensorInfo>, attrs: Attrs, backend: Backend) => TensorInfo;

/** A kernel config for `backendName` with the engine's loosely typed arguments narrowed. */
export function defineKernel(kernelName: string, backendName: string, body: KernelBody): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) =>
      body(inputs as Record<string, TensorInfo>, (attrs ?? {}) as Attrs, backend as Backend),
  };
}
