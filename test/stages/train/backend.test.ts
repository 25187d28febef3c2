import { AlignError } from '../../../src/errors.js';
import { describeBackend, selectBackend, tf } from '../../../src/stages/train/backend.js';
import { Logger } from '../../../src/util/log.js';

function captureLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: new Logger({ sink: { write: (t: string) => lines.push(t) } }), lines };
}

describe('selectBackend', () => {
  test('auto skips the native backends that are not installed and takes wasm', async () => {
    const { log, lines } = captureLogger();
    const info = await selectBackend('auto', log);
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(info.skipped[0]?.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(info.skipped[1]?.reason).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(info.simd).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(lines.join('')).toContain('backend: wasm');
    expect(lines.join('')).toContain('skipped tensorflow-gpu');
    // The returned namespace is the same engine: tensors computed through it run on wasm.
    const sum = info.tf.tidy(() => info.tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
    expect(Array.from(sum.dataSync())).toEqual([4, 6]);
    sum.dispose();
  });

  test('an explicit native backend that cannot load is E_BACKEND with a hint', async () => {
    const err: unknown = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlignError);
    const alignErr = err as AlignError;
    expect(alignErr.code).toBe('E_BACKEND');
    expect(alignErr.message).toMatch(/cannot use the tensorflow backend: @tensorflow\/tfjs-node is not installed/);
    expect(alignErr.hint).toMatch(/--backend auto, wasm or cpu/);
    const gpu = (await selectBackend('tensorflow-gpu').catch((e: unknown) => e)) as AlignError;
    expect(gpu.code).toBe('E_BACKEND');
    expect(gpu.message).toContain('@tensorflow/tfjs-node-gpu');
  });

  test('cpu works and reports no wasm details', async () => {
    const info = await selectBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.skipped).toEqual([]);
    expect(info.threads).toBeUndefined();
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
    expect(Array.from(y.dataSync())).toEqual([11]);
    y.dispose();
    expect(describeBackend(info)).toBe('backend: cpu');
  });

  test('switching back to wasm after cpu works', async () => {
    const info = await selectBackend('wasm');
    expect(info.name).toBe('wasm');
    expect(info.skipped).toEqual([]);
  });
});
