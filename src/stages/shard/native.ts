/**
 * shard's native JPEG encoder (native/encode.c, built by scripts/build-native.js during
 * `npm run build`): libjpeg's scaled decode plus a Lanczos-3 resize at the exact scale, through
 * sharp's own libvips. Loaded once per process where images are encoded (the encoder
 * processes); shard uses it when `shard.encoder` is `auto` (and it loads) or `native`.
 * ALIGN_DATA_NATIVE_ENCODER=PATH uses an addon built elsewhere.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ShardConfig } from '../../config/shard.js';
import { configError, errorMessage } from '../../errors.js';
import { packageRoot } from '../../util/version.js';

export interface NativeEncoder {
  /**
   * Re-encodes JPEG `bytes` at shorter side `size` (and centre-cropped to size×size with `crop`);
   * undefined when the image is not one it takes (see native/encode.c) or libvips fails on it:
   * sharp then encodes it.
   */
  encode(bytes: Buffer, size: number, crop: boolean, quality: number, ignoreIcc: boolean, minResidual: number): { data: Buffer; width: number; height: number } | undefined;
  /** The libvips version it runs on. */
  libvips: string;
}

/** Which encoder a run uses, once `auto` is settled. */
export type Encoder = 'native' | 'sharp';

/** Per addon path: loaded (or probed) once per process. */
const loaded = new Map<string, { encoder: NativeEncoder } | { error: string }>();
const probed = new Map<string, Promise<{ libvips: string } | { error: string }>>();
const require = createRequire(import.meta.url);

/** Where the addon is: native/build/align-encode.node in the package, or ALIGN_DATA_NATIVE_ENCODER. */
export function nativeEncoderPath(): string {
  return process.env.ALIGN_DATA_NATIVE_ENCODER || join(packageRoot(), 'native', 'build', 'align-encode.node');
}

/** The addon, or why it cannot be had here (not built, or it does not load). */
export function loadNativeEncoder(): { encoder: NativeEncoder } | { error: string } {
  const path = nativeEncoderPath();
  let result = loaded.get(path);
  if (result) return result;
  try {
    // sharp first: the addon links the libvips that sharp ships, and must share sharp's copy
    // (and its settings: sharp.concurrency, sharp.cache) rather than load another.
    require('sharp');
    const addon = require(path) as NativeEncoder;
    if (typeof addon.encode !== 'function') throw new Error('it has no encode()');
    result = { encoder: addon };
  } catch (err) {
    const code = (err as { code?: string }).code;
    result = { error: code === 'MODULE_NOT_FOUND' ? `${path} was not built` : `${path} does not load: ${errorMessage(err)}` };
  }
  loaded.set(path, result);
  return result;
}

/**
 * Whether the addon loads, tried in a short-lived child process (about 0.1 s, once per process
 * and path; shard runs it while its encoder processes start): shard's main process encodes
 * nothing, and loading sharp and libvips there would cost it 15 MB of resident memory for the
 * whole run.
 */
export function probeNativeEncoder(): Promise<{ libvips: string } | { error: string }> {
  const path = nativeEncoderPath();
  let result = probed.get(path);
  if (result) return result;
  result = new Promise((resolve) => {
    if (!existsSync(path)) return resolve({ error: `${path} was not built` });
    const check = `require('sharp'); const m = require(${JSON.stringify(path)}); if (typeof m.encode !== 'function') throw new Error('it has no encode()'); process.stdout.write(m.libvips);`;
    execFile(process.execPath, ['-e', check], { cwd: packageRoot(), encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err && stdout) return resolve({ libvips: stdout });
      const why = stderr.split('\n').find((l) => /Error/.test(l)) ?? (stderr.trim() || errorMessage(err));
      resolve({ error: `${path} does not load: ${why}` });
    });
  });
  probed.set(path, result);
  return result;
}

/**
 * Settles `shard.encoder` before any work: `auto` is the native encoder where it was built and
 * loads, sharp elsewhere; `native` where it cannot be had is a config error that says why.
 */
export async function resolveEncoder(choice: ShardConfig['encoder']): Promise<{ encoder: Encoder; note: string }> {
  if (choice === 'sharp') return { encoder: 'sharp', note: 'sharp (shard.encoder: sharp)' };
  const native = await probeNativeEncoder();
  if ('libvips' in native) return { encoder: 'native', note: `native (libvips ${native.libvips}, exact-scale shrink-on-load)` };
  if (choice === 'native') {
    throw configError(
      `shard.encoder is native, but the native encoder cannot be used: ${native.error}`,
      'build it with `npm run build` (needs a C compiler; it prints why it was skipped), or use --encoder auto or sharp',
    );
  }
  return { encoder: 'sharp', note: `sharp (the native encoder is not available: ${native.error})` };
}
