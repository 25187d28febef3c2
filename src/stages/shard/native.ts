/**
 * shard's native JPEG encoder (native/encode.c, built by scripts/build-native.js during
 * `npm run build`): libjpeg's scaled decode plus a Lanczos-3 resize at the exact scale, through
 * sharp's own libvips. Loaded once per process; shard uses it when `shard.encoder` is `auto`
 * (and it was built) or `native`.
 */
// sharp first: the addon links the libvips that sharp ships, and must share sharp's copy (and its
// settings: sharp.concurrency, sharp.cache) rather than load another.
import 'sharp';
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

/** Per addon path: loaded once per process. */
const loaded = new Map<string, { encoder: NativeEncoder } | { error: string }>();

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
    const addon = createRequire(import.meta.url)(path) as NativeEncoder;
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
 * Settles `shard.encoder` before any work: `auto` is the native encoder where it was built and
 * sharp elsewhere; `native` where it cannot be had is a config error that says why.
 */
export function resolveEncoder(choice: ShardConfig['encoder']): { encoder: Encoder; note: string } {
  if (choice === 'sharp') return { encoder: 'sharp', note: 'sharp (shard.encoder: sharp)' };
  const native = loadNativeEncoder();
  if ('encoder' in native) return { encoder: 'native', note: `native (libvips ${native.encoder.libvips}, exact-scale shrink-on-load)` };
  if (choice === 'native') {
    throw configError(
      `shard.encoder is native, but the native encoder cannot be used: ${native.error}`,
      'build it with `npm run build` (needs a C compiler; it prints why it was skipped), or use --encoder auto or sharp',
    );
  }
  return { encoder: 'sharp', note: `sharp (the native encoder is not available: ${native.error})` };
}
