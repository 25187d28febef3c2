/**
 * check's written-out resize rule against the shard stage's real encoders (sharp for a PNG, the
 * native encoder for a JPEG): for each mode, with and without resizeOnlyIfBigger, originals
 * smaller, mixed and bigger than the target.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { optionsSizeRule } from '../../../src/stages/check/options-size.js';
import { encodeImage } from '../../../src/stages/shard/encode.js';
import { makeTempDir } from '../../helpers/paths.js';

const tmp = makeTempDir('align-options-size-');
afterAll(() => tmp.cleanup());

const S = 224;
const originals: [number, number][] = [[100, 50], [300, 100], [100, 300], [224, 100], [500, 300], [300, 500]];
const modes = ['shorter-side', 'center-crop', 'none'] as const;

describe('optionsSizeRule matches what the shard encoder writes', () => {
  test.each(originals)('an original of %i×%i', async (width, height) => {
    const png = join(tmp.dir, `${width}x${height}.png`);
    const jpeg = join(tmp.dir, `${width}x${height}.jpg`);
    await sharp({ create: { width, height, channels: 3, background: '#3a7' } }).png().toFile(png);
    await sharp(png).jpeg().toFile(jpeg);
    const cases = [png, jpeg].flatMap((path) => modes.flatMap((resizeMode) => [false, true].map((resizeOnlyIfBigger) => ({ path, resizeMode, resizeOnlyIfBigger }))));
    for (const { path, resizeMode, resizeOnlyIfBigger } of cases) {
      const options = { resizeMode, imageSize: S, resizeOnlyIfBigger };
      const out = await encodeImage(path, { ...options, jpegQuality: 90, encoder: 'native' });
      if (!out.ok) throw new Error(out.detail);
      const rule = optionsSizeRule(options, { width, height })!;
      const what = `${path.slice(-3)} ${resizeMode}${resizeOnlyIfBigger ? ' only if bigger' : ''}: ${out.width}×${out.height}`;
      expect([what, rule.fits(out.width, out.height)]).toEqual([what, true]);
      expect([what, rule.fits(out.width + 1, out.height + 1)]).toEqual([what, false]);
    }
  });

  test('without the original size, only the rules that do not need it are given', () => {
    expect(optionsSizeRule({ resizeMode: 'shorter-side', imageSize: S, resizeOnlyIfBigger: false }, undefined)?.fits(S, 400)).toBe(true);
    expect(optionsSizeRule({ resizeMode: 'center-crop', imageSize: S, resizeOnlyIfBigger: false }, undefined)?.fits(S, S)).toBe(true);
    expect(optionsSizeRule({ resizeMode: 'shorter-side', imageSize: S, resizeOnlyIfBigger: true }, undefined)).toBeUndefined();
    expect(optionsSizeRule({ resizeMode: 'none', imageSize: S, resizeOnlyIfBigger: false }, undefined)).toBeUndefined();
  });
});
