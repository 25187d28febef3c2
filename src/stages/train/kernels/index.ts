/**
 * The gradient kernels the trainer adds to tfjs, composed from kernels each backend has.
 *
 * wasm lacks Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter/Input and
 * UnsortedSegmentSum, so without these a backward pass through a conv, a depthwise conv or a
 * gather fails there. The others replace wasm kernels that exist but are slow where a backward
 * pass uses them: Conv2DBackpropInput and transposed BatchMatMul (scalar loops, not XNNPACK),
 * Sum over leading axes and Mean over height and width (a transpose, then a loop), and Slice,
 * SplitV and Identity (needless copies). On cpu only the compositions measured faster than cpu's
 * own kernels are registered. test/stages/train/kernels-*.test.ts check each against cpu's own.
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-mat-mul.js';
import { rememberOriginal } from './compose.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input.js';
import { reductionConfig } from './reductions.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import { wasmIdentityConfig, wasmSliceConfig, wasmSplitVConfig } from './wasm-copies.js';

export { originalKernel } from './compose.js';

type ConfigFactory = (backendName: string) => tf.KernelConfig;

const KERNELS: Record<string, ConfigFactory> = {
  [tf.Conv2DBackpropFilter]: conv2dBackpropFilterConfig,
  [tf.Conv2DBackpropInput]: conv2dBackpropInputConfig,
  [tf.DepthwiseConv2dNativeBackpropFilter]: depthwiseBackpropFilterConfig,
  [tf.DepthwiseConv2dNativeBackpropInput]: depthwiseBackpropInputConfig,
  [tf.UnsortedSegmentSum]: unsortedSegmentSumConfig,
  [tf.BatchMatMul]: batchMatMulConfig,
  [tf.Sum]: (backendName) => reductionConfig('Sum', backendName),
  [tf.Mean]: (backendName) => reductionConfig('Mean', backendName),
};

/** wasm's own kernels without their extra copies (see wasm-copies.ts); wasm only. */
const WASM_ONLY: tf.KernelConfig[] = [wasmIdentityConfig, wasmSliceConfig, wasmSplitVConfig];

/**
 * Which compositions each backend gets. wasm: all (four are missing there, the rest beat wasm's
 * own). cpu: those measured faster than cpu's own at the shapes of a training step (bench/train.ts,
 * summed over one step of the `small` preset): UnsortedSegmentSum 155 s → 11 ms (cpu's own loops
 * over every segment), DepthwiseConv2dNativeBackpropFilter 8.7 s → 0.15 s, Conv2DBackpropFilter
 * 5.7 s → 0.40 s, Sum 1.2 s → 0.37 s, Mean 0.33 s → 0.05 s. cpu keeps its own BatchMatMul
 * (7.1 s vs 7.7 s), DepthwiseConv2dNativeBackpropInput (0.44 s vs 1.5 s) and
 * Conv2DBackpropInput (0.2 s vs 1.5 s on a stride-2 3×3 layer): there ours are slower.
 */
export const KERNELS_BY_BACKEND: Record<string, readonly string[]> = {
  wasm: [...Object.keys(KERNELS), ...WASM_ONLY.map((k) => k.kernelName)],
  cpu: [tf.UnsortedSegmentSum, tf.DepthwiseConv2dNativeBackpropFilter, tf.Conv2DBackpropFilter, tf.Sum, tf.Mean],
};

const registered = new Set<string>();

/** Registers the compositions for `backendName` (once per process); returns their names. */
export function registerTrainKernels(backendName: string): string[] {
  const names = KERNELS_BY_BACKEND[backendName] ?? [];
  for (const name of names) {
    const factory = KERNELS[name];
    registerKernel(factory ? factory(backendName) : WASM_ONLY.find((k) => k.kernelName === name)!);
  }
  return [...names];
}

/** Registers one composition on any backend (tests and bench/train.ts compare them everywhere). */
export function registerComposedKernel(kernelName: string, backendName: string): void {
  const factory = KERNELS[kernelName];
  if (factory === undefined) throw new Error(`no composed kernel ${kernelName}`);
  registerKernel(factory(backendName));
}

/** A composition's config for any backend, unregistered (bench/train.ts times it against the backend's own). */
export function composedKernelConfig(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return KERNELS[kernelName]?.(backendName);
}

/** Names of every composition this module has. */
export const COMPOSED_KERNELS: readonly string[] = Object.keys(KERNELS);

function registerKernel(config: tf.KernelConfig): void {
  const key = `${config.backendName}/${config.kernelName}`;
  if (registered.has(key)) return;
  const existing = tf.getKernel(config.kernelName, config.backendName);
  if (existing !== undefined) {
    rememberOriginal(existing);
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
  registered.add(key);
}
