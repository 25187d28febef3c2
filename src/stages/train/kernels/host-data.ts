/**
 * Direct access to a backend's tensor data from JavaScript, without copies: a view of the wasm
 * heap, or the cpu backend's own array. For kernels whose arithmetic is small next to what a
 * chain of generic ops would cost in copies and per-op overhead.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from './compose.js';

interface WasmLike {
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

interface CpuLike {
  readSync(dataId: tf.DataId): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): TensorInfo;
}

/** float32 data of `t`, shared with the backend: read it, never write it. */
export function viewData(backend: tf.KernelBackend, backendName: string, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`expected float32 data, got ${t.dtype}`);
  if (backendName === 'wasm') return (backend as unknown as WasmLike).typedArrayFromHeap(t);
  return (backend as unknown as CpuLike).readSync(t.dataId) as Float32Array;
}

/**
 * A new float32 tensor holding `values`. On wasm, allocating may grow the heap and detach
 * earlier views: take views after this, or (as here) only copy finished results in.
 */
export function outputData(backend: tf.KernelBackend, backendName: string, shape: number[], values: Float32Array): TensorInfo {
  if (backendName === 'wasm') {
    const wasm = backend as unknown as WasmLike;
    const out = wasm.makeOutput(shape, 'float32');
    wasm.typedArrayFromHeap(out).set(values);
    return out;
  }
  return (backend as unknown as CpuLike).makeTensorInfo(shape, 'float32', values);
}
