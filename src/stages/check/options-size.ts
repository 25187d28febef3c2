/**
 * What size the shard options give an image: the same rule as the shard stage's encoder
 * (src/stages/shard/encode.ts, sharp's `outside` / `cover` fits with `withoutEnlargement` set
 * from `resizeOnlyIfBigger`), written out so `check` can judge a decoded image without
 * re-encoding it. Only the shards whose recorded options hash matches the config are judged.
 */
import type { ShardConfig } from '../../config/shard.js';

export type ResizeOptions = Pick<ShardConfig, 'resizeMode' | 'imageSize' | 'resizeOnlyIfBigger'>;

interface Size {
  width: number;
  height: number;
}

/** A test of one decoded size, and what the options say, for the offender's line. */
export interface SizeRule {
  fits(width: number, height: number): boolean;
  says: string;
}

const exactly = (s: Size, why: string): SizeRule => ({
  fits: (w, h) => w === s.width && h === s.height,
  says: `${s.width}×${s.height} (${why})`,
});

/**
 * The rule for one image of `original` displayed size (undefined when it is not known: then
 * only the rules that do not depend on it are returned, else none).
 */
export function optionsSizeRule(o: ResizeOptions, original: Size | undefined): SizeRule | undefined {
  const S = o.imageSize;
  if (o.resizeMode === 'none') return original && exactly(original, 'the original size, resizeMode none');
  if (o.resizeOnlyIfBigger && !original) return undefined;
  if (o.resizeMode === 'center-crop') {
    // `cover` without enlargement: a side shorter than S is kept, the crop takes at most S of each side.
    if (o.resizeOnlyIfBigger) return exactly({ width: Math.min(original!.width, S), height: Math.min(original!.height, S) }, `center-crop ${S}, only if bigger`);
    return exactly({ width: S, height: S }, `center-crop ${S}`);
  }
  // `outside` scales by the shorter side; without enlargement an original shorter than S keeps its size.
  if (o.resizeOnlyIfBigger && Math.min(original!.width, original!.height) < S) return exactly(original!, `the original size, shorter than ${S}, only if bigger`);
  return { fits: (w, h) => Math.min(w, h) === S, says: `shorter side ${S} (shorter-side)` };
}
