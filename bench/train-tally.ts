/**
 * A per-kernel tally for bench/train.ts: every kernel registered for a backend is wrapped so
 * that each top-level call (one the engine makes, not one made inside a composed kernel) adds
 * its wall time, CPU time and FLOPs to a table, and the calls of chosen kernels are recorded
 * (input shapes and attributes) so they can be replayed one by one.
 *
 * FLOPs are counted analytically, 2 per multiply-add, for the dense kernels only: matrix
 * products and (depthwise) convolutions, forward and backward, each by the arithmetic of the
 * convolution it belongs to (the zeros a composition inserts do not count). Elementwise ops,
 * reductions and copies count 0, so GFLOP/s is the rate of useful dense arithmetic.
 */
import { tf } from '../src/stages/train/backend.js';

export interface TallyRow {
  kernel: string;
  calls: number;
  wallMs: number;
  cpuMs: number;
  flops: number;
}

export interface RecordedCall {
  kernel: string;
  inputs: Record<string, { shape: number[]; dtype: tf.DataType }>;
  attrs: Record<string, unknown>;
}

const rows = new Map<string, TallyRow>();
const recorded: RecordedCall[] = [];
let depth = 0;
let recording = new Set<string>();
let byShape = false;

/** Key the table by kernel and input shapes instead of kernel alone. */
export function tallyByShape(on: boolean): void {
  byShape = on;
}
const wrapped = new Set<string>();

function cpuNowMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Wraps every kernel now registered for `backendName` (once). */
export function wrapKernels(backendName: string): void {
  if (wrapped.has(backendName)) return;
  wrapped.add(backendName);
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      kernelName: config.kernelName,
      backendName,
      kernelFunc: (args) => {
        if (depth > 0) return inner(args);
        depth++;
        const wall = performance.now();
        const cpu = cpuNowMs();
        try {
          return inner(args);
        } finally {
          depth--;
          note(config.kernelName, args, performance.now() - wall, cpuNowMs() - cpu);
        }
      },
    });
  }
}

function note(kernel: string, args: Parameters<tf.KernelFunc>[0], wallMs: number, cpuMs: number): void {
  const inputs = args.inputs as Record<string, tf.TensorInfo>;
  const key = byShape ? `${kernel} ${Object.values(inputs).filter((t) => t != null).map((t) => `[${t.shape.join(',')}]`).join(' ')}` : kernel;
  const row = rows.get(key) ?? { kernel: key, calls: 0, wallMs: 0, cpuMs: 0, flops: 0 };
  row.calls++;
  row.wallMs += wallMs;
  row.cpuMs += cpuMs;
  row.flops += countFlops(kernel, inputs, (args.attrs ?? {}) as Record<string, unknown>);
  rows.set(key, row);
  if (recording.has(kernel)) {
    const shapes = Object.fromEntries(Object.entries(inputs).filter(([, t]) => t != null).map(([k, t]) => [k, { shape: [...t.shape], dtype: t.dtype }]));
    recorded.push({ kernel, inputs: shapes, attrs: { ...(args.attrs ?? {}) } });
  }
}

/** Clears the table; records the calls of `kernels` from now on. */
export function resetTally(kernels: readonly string[] = []): void {
  rows.clear();
  recorded.length = 0;
  recording = new Set(kernels);
}

/** Stops recording calls (the table goes on). */
export function stopRecording(): void {
  recording = new Set();
}

export function tallyRows(): TallyRow[] {
  return [...rows.values()].sort((a, b) => b.cpuMs - a.cpuMs);
}

export function recordedCalls(): RecordedCall[] {
  return [...recorded];
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** 2 × multiply-adds of the dense kernels; 0 for everything else. */
export function countFlops(kernel: string, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): number {
  switch (kernel) {
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const ta = Boolean(attrs['transposeA']);
      const tb = Boolean(attrs['transposeB']);
      const m = a.shape[a.shape.length - (ta ? 1 : 2)]!;
      const k = a.shape[a.shape.length - (ta ? 2 : 1)]!;
      const n = b.shape[b.shape.length - (tb ? 2 : 1)]!;
      const batch = Math.max(size(a.shape.slice(0, -2)), size(b.shape.slice(0, -2)));
      return 2 * batch * m * k * n;
    }
    case 'Conv2D':
    case 'FusedConv2D':
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': {
      const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const depthwise = kernel.includes('Depthwise');
      return convFlops(x.shape, filter.shape, attrs, depthwise);
    }
    case 'Conv2DBackpropInput':
    case 'DepthwiseConv2dNativeBackpropInput':
      return convFlops(attrs['inputShape'] as number[], inputs['filter']!.shape, attrs, kernel.startsWith('Depthwise'));
    case 'Conv2DBackpropFilter':
    case 'DepthwiseConv2dNativeBackpropFilter':
      return convFlops(inputs['x']!.shape, attrs['filterShape'] as number[], attrs, kernel.startsWith('Depthwise'));
    default:
      return 0;
  }
}

function convFlops(xShape: number[], filterShape: number[], attrs: Record<string, unknown>, depthwise: boolean): number {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as number,
    (attrs['dilations'] ?? 1) as number,
    attrs['pad'] as 'same',
    undefined,
    depthwise,
  );
  const perOutput = info.filterHeight * info.filterWidth * (depthwise ? 1 : info.inChannels);
  return 2 * info.batchSize * info.outHeight * info.outWidth * info.outChannels * perOutput;
}
