import { join } from 'node:path';
import sharp from 'sharp';
import { encodeImage, withEncoderSetup } from '../../../src/stages/shard/encode.js';
import { psnr, rgb } from './pixels.js';
import { corpusDir } from '../../helpers/paths.js';

const OPTIONS = { resizeMode: 'shorter-side', imageSize: 256, resizeOnlyIfBigger: false, jpegQuality: 90, encoder: 'sharp' } as const;
/** Photos whose shorter side is 5-7.5× the target: where sharp's default decodes at 1/4 and leaves the kernel < 2×. */
const PHOTOS = ['Aqua.jpg', 'Storm.jpg', 'Wood.jpg', 'Garden.jpg'];

describe('shard: encoding one image', () => {
  test('downscales closer to Lanczos-3 over the fully decoded photos than sharp\'s default shrink-on-load does', async () => {
    const gain: number[] = [];
    for (const name of PHOTOS) {
      const file = join(corpusDir(), 'images', name);
      // The reference: every source pixel decoded (raw input has no shrink-on-load), then the kernel.
      const full = await sharp(file).rotate().raw().toBuffer({ resolveWithObject: true });
      const reference = await sharp(full.data, { raw: full.info })
        .resize({ width: 256, height: 256, fit: 'outside', kernel: 'lanczos3' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      // Quality 100, so the JPEG's own loss does not drown the resampling's.
      const ours = await encodeImage(file, { ...OPTIONS, jpegQuality: 100 });
      if (!ours.ok) throw new Error(ours.detail);
      const fast = await sharp(file).rotate().resize({ width: 256, height: 256, fit: 'outside' }).jpeg({ quality: 100, chromaSubsampling: '4:2:0', optimiseCoding: false }).toBuffer();
      const [a, b] = [await rgb(ours.data), await rgb(fast)];
      expect([a.width, a.height]).toEqual([reference.info.width, reference.info.height]);
      expect([b.width, b.height]).toEqual([a.width, a.height]);
      gain.push(psnr(a.data, reference.data) - psnr(b.data, reference.data));
    }
    // On average over the photos (one photo alone may go either way by a few hundredths of a dB).
    expect(gain.reduce((x, y) => x + y, 0) / gain.length).toBeGreaterThan(0.1);
  });

  test('the JPEG is baseline with 4:2:0 chroma, the shorter side exactly the target', async () => {
    const r = await encodeImage(join(corpusDir(), 'images', 'Storm.jpg'), OPTIONS);
    if (!r.ok) throw new Error(r.detail);
    const m = await sharp(r.data).metadata();
    expect([m.format, m.chromaSubsampling, m.isProgressive, Math.min(m.width!, m.height!)]).toEqual(['jpeg', '4:2:0', false, 256]);
  });

  test('encoding runs one libvips thread per image and gives sharp its settings back afterwards', async () => {
    const before = sharp.concurrency();
    sharp.concurrency(3);
    try {
      const inside = await withEncoderSetup(async () => [sharp.concurrency(), sharp.cache().items.max]);
      expect(inside).toEqual([1, 0]);
      expect(sharp.concurrency()).toBe(3);
      expect(sharp.cache().items.max).toBeGreaterThan(0);
    } finally {
      sharp.concurrency(before);
    }
  });
});
