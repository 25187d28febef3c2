import { AlignError } from '../../../src/errors.js';
import { describeBackend, selectBackend, tf } from '../../../src/stages/train/backend.js';
import { Logger } from '../../../src/util/log.js';

function captureLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: new Logger({ sink: { write: (t: string) => lines.push(t) } }), lines };
}

type Explicit = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
const AUTO_ORDER: Explicit[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Asks for each backend explicitly: on any machine each one either loads (and computes) or is an
 * E_BACKEND error with a hint. Which ones load differs by machine (the native packages install
 * only where libtensorflow can be downloaded), so the tests below take the answer from here.
 */
async function probeBackends(): Promise<Map<Explicit, AlignError | null>> {
  const out = new Map<Explicit, AlignError | null>();
  for (const backend of AUTO_ORDER) {
    const result: unknown = await selectBackend(backend).catch((e: unknown) => e);
    if (result instanceof Error) {
      expect(result).toBeInstanceOf(AlignError);
      out.set(backend, result as AlignError);
    } else {
      out.set(backend, null);
    }
  }
  return out;
}

describe('selectBackend', () => {
  let probed: Map<Explicit, AlignError | null>;
  beforeAll(async () => {
    probed = await probeBackends();
  });

  test('wasm and cpu load everywhere', () => {
    expect(probed.get('wasm')).toBeNull();
    expect(probed.get('cpu')).toBeNull();
  });

  test('auto takes the first backend that loads and says why each one before it was skipped', async () => {
    const { log, lines } = captureLogger();
    const info = await selectBackend('auto', log);
    const first = AUTO_ORDER.findIndex((b) => probed.get(b) === null);
    const expectedName = first < 2 ? 'tensorflow' : AUTO_ORDER[first];
    expect(info.name).toBe(expectedName);
    expect(tf.getBackend()).toBe(expectedName);
    expect(info.skipped.map((s) => s.backend)).toEqual(AUTO_ORDER.slice(0, first));
    const logged = lines.join('');
    expect(logged).toContain(`backend: ${expectedName}`);
    for (const skip of info.skipped) {
      // The same reason an explicit request gave, in the summary and in the log.
      expect(probed.get(skip.backend)!.message).toContain(skip.reason);
      expect(skip.reason).toMatch(new RegExp(`@tensorflow/tfjs-node${skip.backend === 'tensorflow-gpu' ? '-gpu' : ''} `));
      expect(logged).toContain(`skipped ${skip.backend}: ${skip.reason}`);
    }
    if (info.name === 'wasm') {
      expect(info.simd).toBe(true);
      expect(info.threads).toBeGreaterThanOrEqual(1);
    }
    // The returned namespace is the same engine: tensors computed through it run on that backend.
    const sum = info.tf.tidy(() => info.tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])));
    expect(Array.from(sum.dataSync())).toEqual([4, 6]);
    sum.dispose();
  });

  test('an explicit backend that cannot load is E_BACKEND with a hint (those that load are not)', () => {
    for (const backend of ['tensorflow-gpu', 'tensorflow'] as const) {
      const err = probed.get(backend);
      if (err === null) continue; // it loads here: nothing to refuse
      expect(err!.code).toBe('E_BACKEND');
      expect(err!.message).toContain(`cannot use the ${backend} backend: @tensorflow/tfjs-node${backend === 'tensorflow-gpu' ? '-gpu' : ''}`);
      expect(err!.hint).toMatch(/--backend auto, wasm or cpu/);
    }
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
