/**
 * (Shared by filter and check: both compare images with eval sets by this hash.)
 * A 64-bit perceptual hash (pHash, as the `imagehash` Python library computes it): the image
 * auto-oriented, flattened on white, grey, resized to 32×32; a 2-D DCT-II; the 8×8 lowest
 * frequencies compared with their median, one bit each, row by row. Re-encoding and resizing
 * change few bits; unrelated images differ in about half of them.
 */
import sharp from 'sharp';

const SIZE = 32;
const LOW = 8;

/** cos((2x + 1) u π / 2N) for the LOW lowest frequencies u. */
const COS: Float64Array[] = Array.from({ length: LOW }, (_, u) =>
  Float64Array.from({ length: SIZE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE))),
);

/** Hashes an image file or buffer; throws when sharp cannot decode it. */
export async function perceptualHash(input: string | Buffer): Promise<string> {
  const { data, info } = await sharp(input, { failOn: 'none', limitInputPixels: 1e9 })
    .rotate()
    .flatten({ background: '#ffffff' })
    .greyscale()
    .resize(SIZE, SIZE, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const channels = info.channels;
  const pixel = (x: number, y: number): number => data[(y * SIZE + x) * channels]!;
  // Rows first (only the LOW frequencies are needed), then columns.
  const rows = Array.from({ length: SIZE }, (_, y) => COS.map((c) => c.reduce((s, cos, x) => s + cos * pixel(x, y), 0)));
  const low: number[] = [];
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) low.push(COS[v]!.reduce((s, cos, y) => s + cos * rows[y]![u]!, 0));
  }
  const median = medianOf(low);
  let hex = '';
  for (let i = 0; i < 64; i += 4) {
    let nibble = 0;
    for (let j = 0; j < 4; j++) nibble = nibble * 2 + (low[i + j]! > median ? 1 : 0);
    hex += nibble.toString(16);
  }
  return hex;
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Bits that differ between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 16; i += 8) {
    let x = (parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}
