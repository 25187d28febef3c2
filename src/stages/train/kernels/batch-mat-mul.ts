/**
 * BatchMatMul for wasm. wasm's own kernel sends only the plain case (one matrix pair, no
 * transposes) to XNNPACK's GEMM (~20–30 GFLOP/s here); transposed or batched products fall to a
 * scalar loop (~1–2 GFLOP/s). Every backward pass of a dense layer is transposed, so: transpose
 * explicitly (a cheap copy), fold a shared right-hand side's batch into rows, and split large
 * batches into plain products. Small batched products (attention) stay on the loop, where the
 * per-op cost of splitting would outweigh the faster GEMM.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, defineKernel, originalKernel, type Composer, type TensorInfo } from './compose.js';

/** Per-matrix multiply-adds above which a batch is split into plain GEMMs. */
const SPLIT_MIN_MACS = 64 * 64 * 64;

interface Operand {
  info: TensorInfo;
  batch: number;
  rows: number; // after the transpose
  cols: number;
  transposed: boolean;
}

export function batchMatMulConfig(backendName: string): tf.KernelConfig {
  return defineKernel(tf.BatchMatMul, backendName, (inputs, attrs, backend) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const A = operand(a, Boolean(attrs['transposeA']));
    const B = operand(b, Boolean(attrs['transposeB']));
    const plainGemm = A.batch === 1 && B.batch === 1 && !A.transposed && !B.transposed;
    const split = A.batch === B.batch && A.rows * A.cols * B.cols >= SPLIT_MIN_MACS;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || plainGemm || (B.batch !== 1 && !split)) {
      const original = originalKernel(tf.BatchMatMul, backendName)!;
      return original.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend }) as TensorInfo;
    }
    const outShape = [
      ...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
      A.rows,
      B.cols,
    ];
    return compose(backend, backendName, (c) => {
      const out = B.batch === 1 ? foldedProduct(c, A, B) : splitProduct(c, A, B);
      return c.reshape(out, outShape);
    });
  });
}

function operand(info: TensorInfo, transposed: boolean): Operand {
  const r = info.shape.length;
  const [d0, d1] = [info.shape[r - 2]!, info.shape[r - 1]!];
  const batch = info.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  return transposed ? { info, batch, rows: d1, cols: d0, transposed } : { info, batch, rows: d0, cols: d1, transposed };
}

/** The operand as [batch, rows, cols] with no pending transpose. */
function plain(c: Composer, x: Operand): TensorInfo {
  if (!x.transposed) return c.reshape(x.info, [x.batch, x.rows, x.cols]);
  return c.transpose(c.reshape(x.info, [x.batch, x.cols, x.rows]), [0, 2, 1]);
}

function gemm(c: Composer, a: TensorInfo, b: TensorInfo): TensorInfo {
  return c.runOriginal(tf.BatchMatMul, { a, b }, { transposeA: false, transposeB: false });
}

/** One right-hand matrix for every left one: stack the left rows into one GEMM. */
function foldedProduct(c: Composer, A: Operand, B: Operand): TensorInfo {
  const a = c.reshape(plain(c, A), [A.batch * A.rows, A.cols]);
  const b = c.reshape(plain(c, B), [B.rows, B.cols]);
  return gemm(c, a, b);
}

/** Large equal batches: one plain GEMM per pair, then one concat. */
function splitProduct(c: Composer, A: Operand, B: Operand): TensorInfo {
  const a = plain(c, A);
  const b = plain(c, B);
  const parts: TensorInfo[] = [];
  for (let i = 0; i < A.batch; i++) {
    const ai = c.reshape(c.slice(a, [i, 0, 0], [1, A.rows, A.cols]), [A.rows, A.cols]);
    const bi = c.reshape(c.slice(b, [i, 0, 0], [1, B.rows, B.cols]), [B.rows, B.cols]);
    parts.push(gemm(c, ai, bi));
  }
  return c.run('Concat', parts as unknown as Record<string, TensorInfo>, { axis: 0 });
}
