/**
 * shard's native JPEG encoder (native/encode.c): built by `npm run build`, it decodes at 1/2, 1/4
 * or 1/8 scale and resizes at the exact scale. Judged against a Lanczos-3 resize of every decoded
 * source pixel, on real photos whose sides do and do not divide by the decode scale; what it does
 * not take goes to sharp with the same result as encoder sharp.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { type EncodeOptions, encodeImage, MIN_RESIDUAL, withEncoderSetup } from '../../../src/stages/shard/encode.js';
import { loadNativeEncoder, type NativeEncoder, resolveEncoder } from '../../../src/stages/shard/native.js';
import { corpusDir, makeTempDir } from '../../helpers/paths.js';
import { psnr, rgb } from './pixels.js';

const S = 256;
const image = (name: string): string => join(corpusDir(), 'images', name);
const OPTIONS: EncodeOptions = { resizeMode: 'shorter-side', imageSize: S, resizeOnlyIfBigger: false, jpegQuality: 100, encoder: 'native' };
/**
 * Photos 1203-3840 px: odd sides (2725×2225, 1600×1203) and sides that divide by 8 (3840×2160,
 * with an sRGB profile), progressive and baseline. At the residuals below they decode at 1/8,
 * 1/4, 1/2 and in full.
 */
const PHOTOS = ['2569067123_aca715a2ee_o.jpg', 'gain-map.jpg', 'Wood.jpg', 'FreshFlower.jpg', 'Storm.jpg'];
const RESIDUALS = [1, MIN_RESIDUAL, 2, Infinity];

function native(): NativeEncoder {
  const n = loadNativeEncoder();
  if (!('encoder' in n)) throw new Error(`${n.error} (\`npm run build\` builds it and says why it could not)`);
  return n.encoder;
}

/** Every source pixel decoded, then Lanczos-3 straight to width×height (each axis scaled to fit exactly). */
async function reference(file: string, width: number, height: number): Promise<Buffer> {
  const full = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return sharp(full.data, { raw: full.info }).resize({ width, height, fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
}

describe('shard: the native JPEG encoder', () => {
  test('is built and loads here (npm run build; CI requires it)', () => {
    expect(native().libvips).toMatch(/^8\.\d+\.\d+/);
  });

  test('against a full-resolution Lanczos-3: at the residual shard leaves no worse than sharp\'s path on any photo and better on average; at every decode scale within 1.5 dB', async () => {
    const gains: number[] = [];
    for (const name of PHOTOS) {
      const file = image(name);
      const bytes = readFileSync(file);
      const { width, height } = await sharp(file).metadata();
      const short = Math.min(width!, height!);
      const size = width! <= height! ? [S, Math.round((height! * S) / short)] : [Math.round((width! * S) / short), S];
      const ref = await reference(file, size[0]!, size[1]!);
      const viaSharp = await withEncoderSetup(() => encodeImage(file, { ...OPTIONS, encoder: 'sharp' }));
      if (!viaSharp.ok) throw new Error(viaSharp.detail);
      const sharpPixels = await rgb(viaSharp.data);
      const sharpScore = psnr(sharpPixels.data, await reference(file, sharpPixels.width, sharpPixels.height));
      for (const residual of RESIDUALS) {
        const out = native().encode(bytes, S, false, 100, true, residual);
        const what = `${name} leaving ${residual}x`;
        if (!out) throw new Error(`${what}: not taken`);
        expect([what, out.width, out.height]).toEqual([what, ...size]);
        const pixels = await rgb(out.data);
        expect([what, pixels.width, pixels.height]).toEqual([what, ...size]);
        const score = psnr(pixels.data, ref);
        // At the residual shard leaves, no worse than sharp on any photo (equal where the sides
        // divide, when both take the same path); leaving the kernel nothing (1x), libjpeg's scaled
        // decode shows: 0.5-1.2 dB below sharp here. (A shift of a fraction of a pixel costs 1-3 dB.)
        const floor = residual >= MIN_RESIDUAL ? sharpScore - 0.05 : sharpScore - 1.5;
        expect([what, score > floor]).toEqual([what, true]);
        if (residual === MIN_RESIDUAL) gains.push(score - sharpScore);
      }
    }
    expect(gains.reduce((a, b) => a + b, 0) / gains.length).toBeGreaterThan(0.1);
  });

  test('a decode scale whose sizes cannot be aligned within 0.03 px gives way to the next larger one', async () => {
    // The top of a real photo, 2560 wide: at 1021 rows the 1/2-scale decode's sizes can be
    // aligned only to 0.11 px, so it is decoded in full (exact); at 1000 rows, at 1/2.
    const top = (rows: number): Promise<Buffer> => sharp(image('Wood.jpg')).extract({ left: 0, top: 0, width: 2560, height: rows }).jpeg({ quality: 95 }).toBuffer();
    const [bad, good] = [await top(1021), await top(1000)];
    const full = (b: Buffer): Buffer => native().encode(b, S, false, 90, true, Infinity)!.data;
    expect(native().encode(bad, S, false, 90, true, MIN_RESIDUAL)!.data.equals(full(bad))).toBe(true);
    expect(native().encode(good, S, false, 90, true, MIN_RESIDUAL)!.data.equals(full(good))).toBe(false);
  });

  test('center-crop keeps the middle of the shorter-side output, pixel for pixel', async () => {
    for (const name of ['2569067123_aca715a2ee_o.jpg', 'FreshFlower.jpg']) {
      const bytes = readFileSync(image(name));
      const whole = native().encode(bytes, S, false, 100, true, MIN_RESIDUAL)!;
      const crop = native().encode(bytes, S, true, 100, true, MIN_RESIDUAL)!;
      expect([crop.width, crop.height]).toEqual([S, S]);
      const left = (whole.width - S + 1) >> 1;
      const top = (whole.height - S + 1) >> 1;
      const middle = await sharp(whole.data).extract({ left, top, width: S, height: S }).raw().toBuffer();
      // Only the two JPEG encodings differ (quality 100); a pixel off would cost far more.
      expect(psnr((await rgb(crop.data)).data, middle)).toBeGreaterThan(40);
    }
  });

  test('what it does not take goes to sharp: the same result as encoder sharp', async () => {
    const p3 = await sharp(image('Storm.jpg')).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    const tmp = makeTempDir('align-native-');
    try {
      const p3File = join(tmp.dir, 'p3.jpg');
      writeFileSync(p3File, p3);
      const cases: [string, string][] = [
        ['a PNG', image('p3.png')],
        ['a CMYK JPEG', image('Channel_digital_image_CMYK_color.jpg')],
        ['a grey JPEG', image('concert.jpg')],
        ['an EXIF-rotated JPEG', image('Landscape_3.jpg')],
        ['a JPEG with a P3 profile', p3File],
        ['a JPEG smaller than the target', image('random.jpg')],
        ['a truncated JPEG', image('truncated.jpg')],
        ['a corrupt JPEG', image('corrupt-header.jpg')],
        ['a JPEG over sharp\'s pixel limit', image('giant-image.jpg')],
      ];
      for (const [what, file] of cases) {
        expect([what, native().encode(readFileSync(file), S, false, 90, false, MIN_RESIDUAL)]).toEqual([what, undefined]);
        // One after the other: libvips keeps one error buffer for the process.
        const a = await withEncoderSetup(() => encodeImage(file, OPTIONS));
        const b = await withEncoderSetup(() => encodeImage(file, { ...OPTIONS, encoder: 'sharp' }));
        expect([what, a]).toEqual([what, b]);
      }
      // The same photo with an sRGB profile is taken once the profile is known to be sRGB.
      const srgb = await sharp(image('Storm.jpg')).withIccProfile('srgb').jpeg({ quality: 95 }).toBuffer();
      expect(native().encode(srgb, S, false, 90, false, MIN_RESIDUAL)).toBeUndefined();
      expect(native().encode(srgb, S, false, 90, true, MIN_RESIDUAL)).toBeDefined();
    } finally {
      tmp.cleanup();
    }
  });

  test('encodeImage uses it for a photo it takes: its bytes, the same each time; sharp\'s bytes exactly where the sides divide', async () => {
    const encode = (file: string, encoder: EncodeOptions['encoder']) => withEncoderSetup(async () => {
      const r = await encodeImage(file, { ...OPTIONS, encoder });
      if (!r.ok) throw new Error(r.detail);
      return r;
    });
    // 1600×1203: 1203 does not divide by 2, so sharp's path drifts and the bytes differ.
    const odd = image('FreshFlower.jpg');
    const [a, b, viaSharp] = [await encode(odd, 'native'), await encode(odd, 'native'), await encode(odd, 'sharp')];
    expect(a.data.equals(b.data)).toBe(true);
    expect(a.data.equals(native().encode(readFileSync(odd), S, false, 100, false, MIN_RESIDUAL)!.data)).toBe(true);
    expect(a.data.equals(viaSharp.data)).toBe(false);
    const m = await sharp(a.data).metadata();
    expect([m.format, m.chromaSubsampling, m.isProgressive, m.width, m.height, m.icc]).toEqual(['jpeg', '4:2:0', false, 340, 256, undefined]);
    // 1920×1280 decoded at 1/2 is exactly 960×640: both take the same steps, so the same bytes
    // (the JPEG settings, metadata and all, are sharp's).
    const even = image('Storm.jpg');
    expect((await encode(even, 'native')).data.equals((await encode(even, 'sharp')).data)).toBe(true);
  });

  test('a wrong call is a TypeError, not a crash', () => {
    const call = native().encode as unknown as (...args: unknown[]) => unknown;
    // (jest's TypeError is another realm's: matched by message.)
    expect(() => call('not a buffer', S, false, 90, false, 1.5)).toThrow(/^encode\(bytes: Buffer, size: int/);
    expect(() => call(Buffer.alloc(4), S)).toThrow(/^encode\(bytes: Buffer, size: int/);
  });

  test('encoder auto is native where it loads and sharp where it does not; native where it does not is a config error', async () => {
    const saved = process.env.ALIGN_DATA_NATIVE_ENCODER;
    try {
      expect((await resolveEncoder('auto')).encoder).toBe('native');
      expect((await resolveEncoder('sharp')).encoder).toBe('sharp');
      process.env.ALIGN_DATA_NATIVE_ENCODER = '/nonexistent/align-encode.node';
      expect(await resolveEncoder('auto')).toEqual({ encoder: 'sharp', note: 'sharp (the native encoder is not available: /nonexistent/align-encode.node was not built)' });
      await expect(resolveEncoder('native')).rejects.toThrow(/shard\.encoder is native, but the native encoder cannot be used: \/nonexistent\/align-encode\.node was not built/);
      process.env.ALIGN_DATA_NATIVE_ENCODER = image('random.jpg');
      expect((await resolveEncoder('auto')).note).toMatch(/does not load/);
    } finally {
      if (saved === undefined) delete process.env.ALIGN_DATA_NATIVE_ENCODER;
      else process.env.ALIGN_DATA_NATIVE_ENCODER = saved;
    }
  });
});
