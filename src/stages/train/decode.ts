/**
 * Decodes a sample's image with sharp into `size`×`size` RGB bytes: a random crop and flip for
 * training, a centre crop for eval. A corrupt image yields null (the caller counts it).
 *
 * One sharp call per image, started the moment decodeImage is called: sharp then decodes on
 * its own threads while the training step holds the main thread. (A crop that depended on a
 * metadata() round trip would wait for the step to finish.) For training, sharp scales the
 * shorter side to size / scale and the crop and flip are cut here, in one copy.
 */
import sharp from 'sharp';
import type { Rng } from '../../util/rng.js';

/** One image's random crop and flip, drawn before decoding so that concurrent decodes stay repeatable. */
export interface Augment {
  /** Side of the crop as a fraction of the shorter side. */
  scale: number;
  /** Where the crop sits, 0…1 of the room left on each axis. */
  x: number;
  y: number;
  flip: boolean;
}

/** Draws an image's crop and flip. */
export function drawAugment(rng: Rng, cropMinScale: number, flip: boolean): Augment {
  return { scale: cropMinScale + (1 - cropMinScale) * rng.next(), x: rng.next(), y: rng.next(), flip: flip && rng.next() < 0.5 };
}

/** RGB bytes, row-major, size×size×3; null when the image does not decode. */
export async function decodeImage(bytes: Buffer, size: number, augment?: Augment): Promise<Uint8Array | null> {
  try {
    const side = augment ? Math.max(size, Math.round(size / augment.scale)) : size;
    const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: 100_000_000 })
      .resize(side, side, augment ? { fit: 'outside' } : { fit: 'cover', position: 'centre' })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width < size || info.height < size) return null;
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return augment ? cropAndFlip(pixels, info.width, info.height, size, augment) : pixels;
  } catch {
    return null;
  }
}

/** Cuts the size×size crop at the drawn place out of a width×height RGB image, mirrored if drawn. */
function cropAndFlip(pixels: Uint8Array, width: number, height: number, size: number, augment: Augment): Uint8Array {
  const left = Math.min(width - size, Math.floor(augment.x * (width - size + 1)));
  const top = Math.min(height - size, Math.floor(augment.y * (height - size + 1)));
  const out = new Uint8Array(size * size * 3);
  for (let row = 0; row < size; row++) {
    const src = ((top + row) * width + left) * 3;
    const dst = row * size * 3;
    if (!augment.flip) {
      out.set(pixels.subarray(src, src + size * 3), dst);
      continue;
    }
    for (let col = 0; col < size; col++) {
      const from = src + (size - 1 - col) * 3;
      out[dst + col * 3] = pixels[from] as number;
      out[dst + col * 3 + 1] = pixels[from + 1] as number;
      out[dst + col * 3 + 2] = pixels[from + 2] as number;
    }
  }
  return out;
}
