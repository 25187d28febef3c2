import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { ShardConfig } from '../../config/shard.js';
import { errorMessage } from '../../errors.js';
import { isSrgbProfile, jpegIccProfile } from './icc.js';

export type EncodeOptions = Pick<ShardConfig, 'resizeMode' | 'imageSize' | 'resizeOnlyIfBigger' | 'jpegQuality'>;

export type EncodeResult =
  | { ok: true; data: Buffer; width: number; height: number }
  | { ok: false; reason: 'decode_failed' | 'missing_file' | 'encoder_crashed'; detail: string };

/**
 * Re-encodes one stored image as the JPEG a sample holds: EXIF orientation applied, the first
 * frame of an animation, alpha flattened on white, any colour space or bit depth (CMYK, 16-bit,
 * grey, P3) converted to 8-bit sRGB, resized as configured, metadata dropped.
 * Never throws: a file that cannot be decoded is a result with a reason.
 * The file is read once; a JPEG whose embedded profile is plain sRGB skips the colour transform
 * (icc.ts), which sharp would otherwise run over every pixel at full size.
 */
export async function encodeImage(path: string, options: EncodeOptions): Promise<EncodeResult> {
  try {
    const bytes = await readFile(path);
    const icc = jpegIccProfile(bytes);
    const image = sharp(bytes, { pages: 1, failOn: 'warning', ignoreIcc: icc !== null && isSrgbProfile(icc) }).rotate();
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
