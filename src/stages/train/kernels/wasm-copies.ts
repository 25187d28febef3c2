/**
 * wasm's Slice, SplitV and Identity, without their needless copies.
 *
 * wasm's Slice starts with backend.readSync(x), which copies the whole of x out of the wasm
 * heap for every slice: splitting the optimiser's flat 3M-float vector into ~100 parameters
 * copied it ~100 times (0.5 s of a 2 s step). These read x through a view of the heap instead,
 * and copy each contiguous run once. Identity (run by the engine to save every tensor a
 * gradient needs) copied its input; here it shares the data and counts a reference, as the
 * cpu backend does. wasm kernels never write into their inputs, so sharing is safe.
 */
import * as tf from '@tensorflow/tfjs';
import { defineKernel, type TensorInfo } from './compose.js';

type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The parts of the wasm backend these kernels use. */
interface WasmHeap {
  typedArrayFromHeap(t: TensorInfo): TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  incRef(dataId: tf.DataId): void;
}

function heapOf(backend: unknown): WasmHeap {
  return backend as WasmHeap;
}

export const wasmIdentityConfig: tf.KernelConfig = defineKernel(tf.Identity, 'wasm', (inputs, _attrs, backend) => {
  const x = inputs['x']!;
  if (x.dtype === 'string') throw new Error('Identity of strings is not supported here');
  heapOf(backend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
});

export const wasmSliceConfig: tf.KernelConfig = defineKernel(tf.Slice, 'wasm', (inputs, attrs, backend) => {
  const x = inputs['x']!;
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs['begin'] as number[], attrs['size'] as number[]) as [number[], number[]];
  return sliceFromHeap(heapOf(backend), x, begin, size);
});

export const wasmSplitVConfig: tf.KernelConfig = {
  kernelName: tf.SplitV,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const x = (inputs as Record<string, TensorInfo>)['x']!;
    const { numOrSizeSplits, axis } = attrs as { numOrSizeSplits: number | number[]; axis: number };
    const [ax] = tf.util.parseAxisParam(axis, x.shape) as [number];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = x.shape.map(() => 0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[ax] = s;
      const part = sliceFromHeap(heapOf(backend), x, [...begin], size);
      begin[ax]! += s;
      return part;
    });
  },
};

/** Copies x[begin : begin + size] in runs as long as the layout allows. */
function sliceFromHeap(heap: WasmHeap, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  if (x.dtype === 'string') throw new Error('Slice of strings is not supported here');
  const out = heap.makeOutput(size, x.dtype);
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return out;
  const source = heap.typedArrayFromHeap(x);
  const target = heap.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  // Trailing axes taken whole merge into the run; the first partial axis ends it.
  let inner = x.shape.length - 1;
  while (inner > 0 && begin[inner] === 0 && size[inner] === x.shape[inner]) inner--;
  const run = size.slice(inner).reduce((a, b) => a * b, 1);
  const outer = size.slice(0, inner);
  const index = outer.map(() => 0);
  const base = begin.reduce((acc, b, i) => acc + b * (strides[i] ?? 1), 0);
  for (let written = 0; written < total; written += run) {
    let offset = base;
    for (let i = 0; i < index.length; i++) offset += index[i]! * strides[i]!;
    target.set(source.subarray(offset, offset + run), written);
    for (let i = index.length - 1; i >= 0; i--) {
      if (++index[i]! < outer[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}
