/** Shared by the kernel tests: deterministic data and running one kernel on a chosen backend. */
import { tf } from '../../../src/stages/train/backend.js';
import { originalKernel } from '../../../src/stages/train/kernels/index.js';

export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Values in [-1, 1) from a fixed linear congruential sequence: same data on every run. */
export function randomTensor(shape: number[], seed: number): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return { values, shape, dtype: 'float32' };
}

export function intTensor(values: number[], shape = [values.length]): HostTensor {
  return { values: Int32Array.from(values), shape, dtype: 'int32' };
}

export interface KernelResult {
  values: Float32Array;
  shape: number[];
}

/**
 * Runs `kernelName` directly on `backendName` (no global backend switch): the backend's own
 * kernel when `original`, else whatever is registered now (our composition where we added one).
 * Also reports whether the call left data behind in the backend (a leak).
 */
export function runKernelOn(
  backendName: string,
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: Record<string, unknown>,
  original: boolean,
): KernelResult & { leakedDataIds: number } {
  const backend = tf.findBackend(backendName) as tf.KernelBackend & { numDataIds(): number };
  const config = original ? originalKernel(kernelName, backendName) : tf.getKernel(kernelName, backendName);
  if (config === undefined) throw new Error(`no ${kernelName} on ${backendName}`);
  const infos: Record<string, tf.TensorInfo> = {};
  for (const [name, t] of Object.entries(inputs)) {
    infos[name] = { dataId: backend.write(t.values.slice(), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
  }
  const before = backend.numDataIds();
  const out = config.kernelFunc({ inputs: infos, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  const values = Float32Array.from(backend.readSync(out.dataId) as Float32Array);
  const leakedDataIds = backend.numDataIds() - before - 1;
  backend.disposeData(out.dataId);
  for (const info of Object.values(infos)) backend.disposeData(info.dataId);
  return { values, shape: out.shape, leakedDataIds };
}

/** Largest |a−b| relative to the reference's largest magnitude (float32 rounding is ~1e-7 per op). */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  let maxDiff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return maxDiff / scale;
}
