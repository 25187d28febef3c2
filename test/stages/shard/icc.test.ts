import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeImage, withEncoderSetup } from '../../../src/stages/shard/encode.js';
import { isSrgbProfile, jpegIccProfile } from '../../../src/stages/shard/icc.js';
import { corpusDir } from '../../helpers/paths.js';

const OPTIONS = { resizeMode: 'shorter-side', imageSize: 64, resizeOnlyIfBigger: false, jpegQuality: 90, encoder: 'sharp' } as const;
const image = (name: string): string => join(corpusDir(), 'images', name);
const tagged = (profile: string): Promise<Buffer> =>
  sharp(image('Storm.jpg')).resize(160).withIccProfile(profile).jpeg({ quality: 95 }).toBuffer();

/** What sharp makes of the file with or without its profile, in the encoder's own settings. */
async function reference(input: string | Buffer, ignoreIcc: boolean): Promise<Buffer> {
  return withEncoderSetup(() => sharp(input, { pages: 1, failOn: 'warning', ignoreIcc })
    .rotate()
    .resize({ width: 64, height: 64, fit: 'outside', kernel: 'lanczos3', fastShrinkOnLoad: false })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .jpeg({ quality: 90, chromaSubsampling: '4:2:0', optimiseCoding: false, mozjpeg: false })
    .toBuffer());
}

async function encoded(file: string): Promise<Buffer> {
  const r = await withEncoderSetup(() => encodeImage(file, OPTIONS));
  if (!r.ok) throw new Error(r.detail);
  return r.data;
}

describe('shard: embedded ICC profiles', () => {
  test('the profile read from a JPEG\'s APP2 segments is the one libvips reads; none from an untagged JPEG or a PNG', async () => {
    for (const name of ['Landscape_2.jpg', 'Landscape_9.jpg', 'concert.jpg', 'Channel_digital_image_CMYK_color.jpg']) {
      const bytes = readFileSync(image(name));
      expect(jpegIccProfile(bytes)?.equals((await sharp(bytes).metadata()).icc!)).toBe(true);
    }
    expect(jpegIccProfile(await sharp(image('Storm.jpg')).resize(32).jpeg().toBuffer())).toBeNull();
    expect(jpegIccProfile(readFileSync(image('p3.png')))).toBeNull();
  });

  test('sRGB is told by its colorants and tone curves: camera and libvips sRGB yes; P3, gamma-1.8 Generic RGB, grey, CMYK no', async () => {
    const profile = async (p: string): Promise<Buffer> => jpegIccProfile(await tagged(p))!;
    const fromCorpus = (name: string): Buffer => jpegIccProfile(readFileSync(image(name)))!;
    expect(isSrgbProfile(await profile('srgb'))).toBe(true);
    expect(isSrgbProfile(fromCorpus('Landscape_9.jpg'))).toBe(true);
    expect(isSrgbProfile(fromCorpus('gain-map.jpg'))).toBe(true);
    expect(isSrgbProfile(await profile('p3'))).toBe(false);
    expect(isSrgbProfile(await profile('cmyk'))).toBe(false);
    expect(isSrgbProfile(fromCorpus('Landscape_2.jpg'))).toBe(false);
    expect(isSrgbProfile(fromCorpus('concert.jpg'))).toBe(false);
    // The same sRGB profile with its red primary moved, or its red curve's exponent (libvips' sRGB
    // has parametric curves): no longer sRGB, whatever it is called.
    const srgb = await profile('srgb');
    const changed = (tag: string, offset: number, by: number): Buffer => {
      const p = Buffer.from(srgb);
      for (let i = 0; i < p.readUInt32BE(128); i++) {
        if (p.toString('latin1', 132 + 12 * i, 136 + 12 * i) !== tag) continue;
        const at = p.readUInt32BE(136 + 12 * i);
        p.writeInt32BE(p.readInt32BE(at + offset) + Math.round(by * 65536), at + offset);
      }
      return p;
    };
    expect(isSrgbProfile(changed('rXYZ', 8, 0))).toBe(true);
    expect(isSrgbProfile(changed('rXYZ', 8, 0.01))).toBe(false);
    expect(isSrgbProfile(changed('rTRC', 12, 0.2))).toBe(false);
    expect(isSrgbProfile(srgb.subarray(0, 100))).toBe(false);
  });

  test('an sRGB-tagged JPEG comes out as with its profile ignored, and within rounding of transforming it; any other profile is still transformed', async () => {
    const dir = join(corpusDir(), 'images');
    // sRGB: the encoder's bytes are those of ignoring the profile, and within rounding of transforming it.
    const srgbFile = join(dir, 'Landscape_9.jpg');
    const ours = await encoded(srgbFile);
    expect(ours.equals(await reference(srgbFile, true))).toBe(true);
    const [a, b] = await Promise.all([ours, await reference(srgbFile, false)].map((x) => sharp(x).raw().toBuffer()));
    let worst = 0;
    for (let i = 0; i < a!.length; i++) worst = Math.max(worst, Math.abs(a![i]! - b![i]!));
    expect(worst).toBeLessThanOrEqual(3);
    // Generic RGB (gamma 1.8): the transform runs, and it changes the pixels.
    const generic = join(dir, 'Landscape_2.jpg');
    const converted = await encoded(generic);
    expect(converted.equals(await reference(generic, false))).toBe(true);
    expect(converted.equals(await reference(generic, true))).toBe(false);
  });
});
