/**
 * Picks the TensorFlow.js backend a training or eval run uses, and says why others were skipped.
 *
 * Order for `auto`: tfjs-node-gpu → tfjs-node → wasm → cpu; the first that loads wins. The two
 * native packages are optionalDependencies: npm skips them where libtensorflow cannot be
 * downloaded, so they are loaded with a dynamic import() and a missing package is a reason, not
 * a crash. An explicitly requested backend that cannot load is an E_BACKEND error.
 *
 * Every part of the trainer must use the `tf` exported here. tfjs-node re-exports
 * @tensorflow/tfjs, and all of them share the single hoisted @tensorflow/tfjs-core engine, so
 * tensors made through this namespace run on whichever backend was selected; a native package
 * that brought its own copy of tfjs-core is skipped (its tensors would live in another engine).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AlignError, errorMessage } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import { registerTrainKernels } from './kernels/index.js';

export { tf };

/** The namespace type every trainer module should use for `tf`. */
export type Tf = typeof tf;

export type BackendRequest = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface SkippedBackend {
  backend: Exclude<BackendRequest, 'auto'>;
  reason: string;
}

export interface BackendInfo {
  /** The tfjs backend name now active: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  /** What was asked for. */
  requested: BackendRequest;
  /** The namespace to build models and run steps with (the same engine as the exported `tf`). */
  tf: Tf;
  /** Backends tried before this one, and why each was not used. */
  skipped: SkippedBackend[];
  /** Threads the wasm backend's XNNPACK pool uses (wasm only). */
  threads?: number;
  /** Whether the wasm SIMD binary is in use (wasm only). */
  simd?: boolean;
  /** Gradient kernels this module registered on the backend (see kernels/index.ts). */
  customKernels: string[];
}

export interface SelectBackendOptions {
  /**
   * Register the composed gradient kernels (required on wasm, where they are missing; on cpu
   * only those measured faster than cpu's own). Off only for benchmarks that compare.
   * @default true
   */
  customKernels?: boolean;
}

type Loaded = { ok: true; info: Omit<BackendInfo, 'requested' | 'skipped' | 'customKernels'> } | { ok: false; reason: string };

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

/** Activates the requested backend (or the first that loads, for 'auto') and registers kernels. */
export async function selectBackend(
  requested: BackendRequest,
  log?: Logger,
  options: SelectBackendOptions = {},
): Promise<BackendInfo> {
  const order: Exclude<BackendRequest, 'auto'>[] =
    requested === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [requested];
  const skipped: SkippedBackend[] = [];
  for (const backend of order) {
    const loaded = await loadBackend(backend);
    if (!loaded.ok) {
      skipped.push({ backend, reason: loaded.reason });
      continue;
    }
    const customKernels = options.customKernels === false ? [] : registerTrainKernels(loaded.info.name);
    const info: BackendInfo = { ...loaded.info, requested, skipped, customKernels };
    log?.info(describeBackend(info));
    return info;
  }
  const reasons =
    requested === 'auto' ? skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ') : (skipped[0]?.reason ?? 'unknown');
  throw new AlignError('E_BACKEND', `cannot use the ${requested} backend: ${reasons}`, {
    hint: hintFor(requested),
  });
}

/** One line for logs: which backend, and why the ones before it were skipped. */
export function describeBackend(info: BackendInfo): string {
  const details: string[] = [];
  if (info.simd !== undefined) details.push(info.simd ? 'SIMD' : 'no SIMD');
  if (info.threads !== undefined) details.push(`${info.threads} thread${info.threads === 1 ? '' : 's'}`);
  const head = `backend: ${info.name}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
  const skips = info.skipped.map((s) => `\n  skipped ${s.backend}: ${s.reason}`).join('');
  return head + skips;
}

function hintFor(requested: BackendRequest): string {
  if (requested === 'tensorflow-gpu' || requested === 'tensorflow') {
    return (
      `install ${NATIVE_PACKAGES[requested]} where libtensorflow can be downloaded ` +
      `(npm install ${NATIVE_PACKAGES[requested]}), or use --backend auto, wasm or cpu`
    );
  }
  return 'use --backend auto to take the first backend that loads';
}

async function loadBackend(backend: Exclude<BackendRequest, 'auto'>): Promise<Loaded> {
  try {
    if (backend === 'tensorflow-gpu' || backend === 'tensorflow') return await loadNative(NATIVE_PACKAGES[backend]);
    if (backend === 'wasm') return await loadWasm();
    return await activate('cpu');
  } catch (err) {
    return { ok: false, reason: errorMessage(err) };
  }
}

async function loadNative(packageName: string): Promise<Loaded> {
  let mod: { engine?: () => unknown };
  try {
    // A variable specifier: the packages are optional and have no types when absent.
    const specifier: string = packageName;
    mod = (await import(specifier)) as { engine?: () => unknown };
  } catch (err) {
    if (isModuleNotFound(err, packageName)) {
      return {
        ok: false,
        reason:
          `${packageName} is not installed (an optional dependency: npm skips it ` +
          `where libtensorflow cannot be downloaded for this machine)`,
      };
    }
    return { ok: false, reason: `${packageName} is installed but failed to load: ${errorMessage(err)}` };
  }
  if (typeof mod.engine === 'function' && mod.engine() !== tf.engine()) {
    return {
      ok: false,
      reason: `${packageName} brought its own copy of @tensorflow/tfjs-core; reinstall so that one copy is shared`,
    };
  }
  return activate('tensorflow');
}

function isModuleNotFound(err: unknown, packageName: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  return /cannot find (module|package)/i.test(errorMessage(err)) && errorMessage(err).includes(packageName);
}

let wasmPathsSet = false;

/**
 * The SIMD binary, single-threaded. tfjs keeps its threaded binary off under Node (tfjs#3830:
 * its pthread workers are blob: URLs, which Node's Worker refuses, ERR_WORKER_PATH). Forcing it
 * with the worker scripts written to files initialises, but XNNPACK then reports 1 thread and a
 * 512² matMul ran ~50× slower than here (measured on Node 20), so it is not attempted.
 */
async function loadWasm(): Promise<Loaded> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!wasmPathsSet) {
    // In Node the backend looks for its .wasm files next to the calling script; point it at the package.
    const require = createRequire(import.meta.url);
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    wasm.setWasmPaths(dist);
    wasmPathsSet = true;
  }
  const loaded = await activate('wasm');
  if (!loaded.ok) return loaded;
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return { ok: true, info: { ...loaded.info, simd, threads: wasm.getThreadsCount() } };
}

async function activate(name: string): Promise<Loaded> {
  // PROD skips tfjs's debug checks and its console banner about installing tfjs-node.
  tf.env().set('PROD', true);
  // tf.setBackend logs and returns false on a failed init; keep its message out of the way.
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) return { ok: false, reason: `the ${name} backend failed to initialise` };
  await tf.ready();
  return { ok: true, info: { name, tf } };
}
