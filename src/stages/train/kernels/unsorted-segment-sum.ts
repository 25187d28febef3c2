/**
 * UnsortedSegmentSum (the gradient of gather, e.g. of an embedding lookup) as one ScatterNd,
 * which adds the rows of duplicate ids. Ids outside [0, numSegments) are dropped, as in
 * TensorFlow: their rows are gathered out first (ScatterNd would write out of bounds).
 */
import * as tf from '@tensorflow/tfjs';
import { compose, defineKernel, type Composer, type TensorInfo } from './compose.js';

export function unsortedSegmentSumConfig(backendName: string): tf.KernelConfig {
  return defineKernel(tf.UnsortedSegmentSum, backendName, (inputs, attrs, backend) => {
    const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const numSegments = attrs['numSegments'] as number;
    return compose(backend, backendName, (c) => {
      const count = segmentIds.shape.reduce((a, b) => a * b, 1);
      const rowShape = x.shape.slice(segmentIds.shape.length);
      let rows = c.reshape(x, [count, ...rowShape]);
      let ids = c.reshape(segmentIds, [count]);
      const valid = validPositions(backend.readSync(ids.dataId) as Int32Array, numSegments);
      if (valid !== undefined) [rows, ids] = keepRows(c, rows, ids, valid);
      const indices = c.reshape(ids, [ids.shape[0]!, 1]);
      return c.run('ScatterNd', { indices, updates: rows }, { shape: [numSegments, ...rowShape] });
    });
  });
}

/** Positions of the in-range ids, or undefined when all are in range (the usual case). */
function validPositions(ids: Int32Array, numSegments: number): Int32Array | undefined {
  if (ids.every((id) => id >= 0 && id < numSegments)) return undefined;
  const keep: number[] = [];
  ids.forEach((id, i) => {
    if (id >= 0 && id < numSegments) keep.push(i);
  });
  return Int32Array.from(keep);
}

function keepRows(c: Composer, rows: TensorInfo, ids: TensorInfo, positions: Int32Array): [TensorInfo, TensorInfo] {
  const at = c.constant(positions, [positions.length], 'int32');
  const gather = (x: TensorInfo) => c.run('GatherV2', { x, indices: at }, { axis: 0, batchDims: 0 });
  return [gather(rows), gather(ids)];
}
