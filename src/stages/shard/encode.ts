import { existsSync } from 'node:fs';
import sharp from 'sharp';
import type { ShardConfig } from '../../config/shard.js';
import { errorMessage } from '../../errors.js';

export type EncodeOptions = Pick<ShardConfig, 'resizeMode' | 'imageSize' | 'resizeOnlyIfBigger' | 'jpegQuality'>;

export type EncodeResult =
  | { ok: true; data: Buffer; width: number; height: number }
  | { ok: false; reason: 'decode_failed' | 'missing_file'; detail: string };

/**
 * Re-encodes one stored image as the JPEG a sample holds: EXIF orientation applied, the first
 * frame of an animation, alpha flattened on white, any colour space or bit depth (CMYK, 16-bit,
 * grey, P3) converted to 8-bit sRGB, resized as configured, metadata dropped.
 * Never throws: a file that cannot be decoded is a result with a reason.
 */
export async function encodeImage(path: string, options: EncodeOptions): Promise<EncodeResult> {
  try {
    const image = sharp(path, { pages: 1, failOn: 'warning' }).rotate();
    resize(image, options);
    const { data, info } = await image
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: options.jpegQuality })
      .toBuffer({ resolveWithObject: true });
    return { ok: true, data, width: info.width, height: info.height };
  } catch (err) {
    if (!existsSync(path)) return { ok: false, reason: 'missing_file', detail: `no file at ${path}` };
    return { ok: false, reason: 'decode_failed', detail: errorMessage(err) };
  }
}

function resize(image: sharp.Sharp, o: EncodeOptions): void {
  const S = o.imageSize;
  const withoutEnlargement = o.resizeOnlyIfBigger;
  // 'outside' scales so both sides are >= S: the shorter one is exactly S.
  if (o.resizeMode === 'shorter-side') image.resize({ width: S, height: S, fit: 'outside', withoutEnlargement });
  else if (o.resizeMode === 'center-crop') image.resize({ width: S, height: S, fit: 'cover', position: 'centre', withoutEnlargement });
}
