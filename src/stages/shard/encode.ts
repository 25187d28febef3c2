import { existsSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { ShardConfig } from '../../config/shard.js';
import { errorMessage } from '../../errors.js';
import { isSrgbProfile, jpegIccProfile } from './icc.js';
import { type Encoder, loadNativeEncoder } from './native.js';

export type EncodeOptions = Pick<ShardConfig, 'resizeMode' | 'imageSize' | 'resizeOnlyIfBigger' | 'jpegQuality'> & {
  /** `native`: JPEGs it takes go through the native encoder (native.ts), the rest through sharp. */
  encoder: Encoder;
};

/**
 * The native encoder decodes JPEGs at 1/2, 1/4 or 1/8 scale where at least this much of the
 * shrinking is left to the Lanczos-3 kernel (the rest libjpeg's scaled decode does). Measured on
 * bench/shard's photos (bench/shard-ablation.ts, 50 images), SSIM against a float Lanczos-3
 * reference: leaving 1x (the largest decode scale) 0.98914, 1.25x 0.98971, 1.5x 0.98978, 2x
 * 0.98987, full decode 0.98986; OpenCV's INTER_AREA 0.98863. 1.5x keeps nearly all of the full
 * decode's quality at about 80% of its CPU time; 1.25x would save another 3-4% but puts some
 * photos below sharp's path (a 1920×1280 photo decoded at 1/4: 0.5 dB, see
 * test/stages/shard/native.test.ts).
 */
export const MIN_RESIDUAL = 1.5;

export type EncodeResult =
  | { ok: true; data: Buffer; width: number; height: number }
  | { ok: false; reason: 'decode_failed' | 'missing_file' | 'encoder_crashed'; detail: string };

/**
 * Re-encodes one stored image as the JPEG a sample holds: EXIF orientation applied, the first
 * frame of an animation, alpha flattened on white, any colour space or bit depth (CMYK, 16-bit,
 * grey, P3) converted to 8-bit sRGB, resized as configured, metadata dropped.
 * Never throws: a file that cannot be decoded is a result with a reason.
 * The file is read once; a JPEG whose embedded profile is plain sRGB skips the colour transform
 * (icc.ts), which sharp would otherwise run over every pixel at full size. With `encoder:
 * native`, the JPEGs the native encoder takes go through it (decoded at reduced scale, resized
 * at the exact scale: faster, and closer to a full-resolution resize than sharp's path).
 */
export async function encodeImage(path: string, options: EncodeOptions): Promise<EncodeResult> {
  try {
    // Read at once: in an encoder process (one image at a time) the async read's thread-pool
    // round trips left the process waiting 8% of its time on a busy 2-core machine.
    const bytes = readFileSync(path);
    const icc = jpegIccProfile(bytes);
    const ignoreIcc = icc !== null && isSrgbProfile(icc);
    const native = options.encoder === 'native' && options.resizeMode !== 'none' ? nativeEncode(bytes, options, ignoreIcc) : undefined;
    if (native) return { ok: true, ...native };
    const image = sharp(bytes, { pages: 1, failOn: 'warning', ignoreIcc }).rotate();
    resize(image, options);
    const { data, info } = await image
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg(jpegSettings(options.jpegQuality))
      .toBuffer({ resolveWithObject: true });
    return { ok: true, data, width: info.width, height: info.height };
  } catch (err) {
    if (!existsSync(path)) return { ok: false, reason: 'missing_file', detail: `no file at ${path}` };
    return { ok: false, reason: 'decode_failed', detail: errorMessage(err) };
  }
}

/**
 * The native encoder's output for a JPEG it takes (8-bit sRGB, no EXIF rotation, no profile but
 * sRGB, shrinking), else undefined: sharp then encodes it, and gives a file that does not decode
 * its usual reason. (shard settles `encoder` before it starts, so the addon is there; should it
 * not load in this process, sharp encodes everything.)
 */
function nativeEncode(bytes: Buffer, o: EncodeOptions, ignoreIcc: boolean): { data: Buffer; width: number; height: number } | undefined {
  const native = loadNativeEncoder();
  if (!('encoder' in native)) return undefined;
  return native.encoder.encode(bytes, o.imageSize, o.resizeMode === 'center-crop', o.jpegQuality, ignoreIcc, MIN_RESIDUAL);
}

/**
 * The encoder as OpenCV and libjpeg run it by default: 4:2:0 chroma, baseline, no trellis, and
 * no Huffman-table optimisation (a second pass over the coefficients: about 6% of the CPU time
 * per image for files about 4% smaller; see bench/shard-ablation.ts).
 */
function jpegSettings(quality: number): sharp.JpegOptions {
  return { quality, chromaSubsampling: '4:2:0', optimiseCoding: false, mozjpeg: false };
}

/**
 * sharp set up as the encoder processes run it (encode-worker.ts): one libvips thread for the
 * process's one image at a time (more threads per image only contend for the cores, and cost
 * hand-offs) and no operation cache (every image is new, so caching only costs).
 */
export function setUpEncoder(): void {
  sharp.concurrency(1);
  sharp.cache(false);
}

/**
 * Runs `fn` with sharp set up as in the encoder processes, in this process (tests, the bench's
 * quality outputs). Afterwards the thread count is restored and the cache set back to sharp's
 * defaults: the process may go on.
 */
export async function withEncoderSetup<T>(fn: () => Promise<T>): Promise<T> {
  const threads = sharp.concurrency();
  setUpEncoder();
  try {
    return await fn();
  } finally {
    sharp.concurrency(threads);
    sharp.cache(true);
  }
}

/**
 * Lanczos-3 after a JPEG shrink-on-load that always leaves the kernel at least a factor of two
 * (`fastShrinkOnLoad: false`). sharp's default picks a larger decode scale (1/2, 1/4, 1/8) and
 * leaves the kernel less than 2×: faster, but libjpeg's scaled IDCT then shows through, and the
 * output scored below OpenCV's INTER_AREA against a float Lanczos-3 reference (bench/shard.ts).
 */
function resize(image: sharp.Sharp, o: EncodeOptions): void {
  const S = o.imageSize;
  const common = { width: S, height: S, withoutEnlargement: o.resizeOnlyIfBigger, kernel: 'lanczos3', fastShrinkOnLoad: false } as const;
  // 'outside' scales so both sides are >= S: the shorter one is exactly S.
  if (o.resizeMode === 'shorter-side') image.resize({ ...common, fit: 'outside' });
  else if (o.resizeMode === 'center-crop') image.resize({ ...common, fit: 'cover', position: 'centre' });
}
