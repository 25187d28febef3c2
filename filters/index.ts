/**
 * The registry of built-in filters, in the order of DESIGN.md's table: a rejected pair records the
 * first filter it fails in this order. Each one's options live in the config under the camelCase
 * form of its name (`image-size` → `filter.imageSize`). User filters come after these, in the
 * order of `filter.custom`.
 */
import type { Filter } from './api.js';
import { aspectRatio } from './aspect-ratio.js';
import { altsPerImage } from './alts-per-image.js';
import { blocklist } from './blocklist.js';
import { evalDedup } from './eval-dedup.js';
import { imageSize } from './image-size.js';
import { imagesPerAlt } from './images-per-alt.js';
import { modelScore } from './model-score.js';
import { optOut } from './opt-out.js';
import { rareTokens } from './rare-tokens.js';
import { wordCount } from './word-count.js';

export type { Filter } from './api.js';

export const BUILTIN_FILTERS: readonly Filter[] = [
  imageSize,
  aspectRatio,
  altsPerImage,
  imagesPerAlt,
  wordCount,
  rareTokens,
  optOut,
  evalDedup,
  blocklist,
  modelScore,
];

export { aspectRatio, altsPerImage, blocklist, evalDedup, imageSize, imagesPerAlt, modelScore, optOut, rareTokens, wordCount };
