import { z } from 'zod';
import {
  aspectRatio,
  altsPerImage,
  blocklist,
  evalDedup,
  imageSize,
  imagesPerAlt,
  modelScore,
  optOut,
  rareTokens,
  wordCount,
} from '../../filters/index.js';
import type { Filter } from '../../filters/api.js';

/** A built-in filter's options, every field defaulted (the schemas live beside the filters in filters/). */
function builtin<O>(filter: Filter<O>) {
  if (!filter.options) throw new Error(`built-in filter ${filter.name} declares no options`);
  return filter.options(z).prefault({} as never);
}

/** One user filter: a module and its options (checked by the module's own schema when the stage loads it). */
export const CustomFilterSchema = z.strictObject({
  /**
   * A path to a `.js` module (relative to the config file's folder, else the current directory), or a
   * bare name looked up as `filters/<name>.js` there and in align-data's own filters/ folder.
   */
  module: z.string().min(1),
  /** The filter's options, validated by its own schema. @default {} */
  options: z.record(z.string(), z.unknown()).default({}),
});

/**
 * `filter` section: ALIGN's filters with ALIGN's numbers, one object per built-in filter (in the
 * order they are applied), then the user's own. Every field has a default.
 */
export const FilterConfigSchema = z.strictObject({
  /** Kept when min(width, height) > minSidePx. */
  imageSize: builtin(imageSize),
  /** Kept when max(w, h) / min(w, h) < maxRatio. */
  aspectRatio: builtin(aspectRatio),
  /** Kept when the image has at most `max` distinct normalised alt texts. */
  altsPerImage: builtin(altsPerImage),
  /** Kept when the normalised alt text belongs to at most `max` distinct images. */
  imagesPerAlt: builtin(imagesPerAlt),
  /** Kept when min ≤ words ≤ max. */
  wordCount: builtin(wordCount),
  /** Kept when every unigram and bigram is among the topK most frequent of the raw dataset. */
  rareTokens: builtin(rareTokens),
  /** Kept when neither the page nor the image response says noai / noimageai. */
  optOut: builtin(optOut),
  /** Kept when the image is no near-duplicate of an eval image (off until evalImages is given). */
  evalDedup: builtin(evalDedup),
  /** Kept when no page or image host / URL is blocked. */
  blocklist: builtin(blocklist),
  /** Kept when the image/caption score of a trained run (`align-data score`) is high enough (off by default). */
  modelScore: builtin(modelScore),
  /** User filters, applied after the built-in ones in this order. @default [] */
  custom: z.array(CustomFilterSchema).default([]),
});

export type FilterConfig = z.infer<typeof FilterConfigSchema>;
export type CustomFilterConfig = z.infer<typeof CustomFilterSchema>;
