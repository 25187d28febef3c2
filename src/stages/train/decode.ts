/**
 * Decodes a sample's image with sharp into `size`×`size` RGB bytes: a random crop and flip for
 * training, a centre crop for eval. A corrupt image yields null (the caller counts it).
 */
import sharp from 'sharp';
import type { Rng } from './rng.js';

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
    const image = sharp(bytes, { failOn: 'error', limitInputPixels: 100_000_000 });
    let pipeline: sharp.Sharp;
    if (augment) {
      const { width, height } = await image.metadata();
      if (!width || !height) return null;
      const crop = pickCrop(width, height, augment);
      pipeline = image.extract(crop).resize(size, size, { fit: 'fill' });
      if (augment.flip) pipeline = pipeline.flop();
    } else {
      pipeline = image.resize(size, size, { fit: 'cover', position: 'centre' });
    }
    const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== size || info.height !== size) return null;
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } catch {
    return null;
  }
}

/** A square crop of the drawn fraction of the shorter side, at the drawn place. */
function pickCrop(width: number, height: number, augment: Augment): sharp.Region {
  const side = Math.max(1, Math.round(Math.min(width, height) * augment.scale));
  return {
    left: Math.min(width - side, Math.floor(augment.x * (width - side + 1))),
    top: Math.min(height - side, Math.floor(augment.y * (height - side + 1))),
    width: side,
    height: side,
  };
}
