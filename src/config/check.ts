import { z } from 'zod';

/**
 * `check` section: the thresholds of the quality gates. The defaults pass any sound dataset,
 * however small; a team sets stricter ones in its own config.
 */
export const CheckConfigSchema = z.strictObject({
  /** Decode every image (the `images-decode` and `image-size` gates); off reads only the tar structure. @default true */
  decodeImages: z.boolean().default(true),
  /** Images decoded at once (null: two per CPU core). @default null */
  concurrency: z.int().positive().max(256).nullable().default(null),
  /** The dataset holds at least this many complete samples. @default 1 */
  minSamples: z.int().min(0).default(1),
  /** Every caption has at least this many words. @default 1 */
  minCaptionWords: z.int().min(0).default(1),
  /** Every caption has at most this many words. @default 1000 */
  maxCaptionWords: z.int().positive().default(1000),
  /** With a store: no one reason is the first failure of more than this share of the judged pairs. @default 0.99 */
  maxRejectedShare: z.number().min(0).max(1).default(0.99),
  /** With a store: at least this share of the image URLs tried were fetched. @default 0.01 */
  minFetchedShare: z.number().min(0).max(1).default(0.01),
  /**
   * Files or folders (searched recursively) of evaluation images: the `eval-dedup` gate fails on a
   * shard image within `maxDistanceBits` of one (perceptual hash). Empty: the filter's
   * `evalDedup.evalImages` when that filter is on; none there either: the gate is skipped. @default []
   */
  evalImages: z.array(z.string().min(1)).default([]),
  /** Hashes that differ in at most this many of their 64 bits are near-duplicates. @default 4 */
  maxDistanceBits: z.int().min(0).max(31).default(4),
  /** Offending shards / keys listed per gate (the rest are counted). @default 5 */
  offendersListed: z.int().min(1).max(1000).default(5),
}).refine((c) => c.minCaptionWords <= c.maxCaptionWords, { message: 'must be >= minCaptionWords', path: ['maxCaptionWords'] });

export type CheckConfig = z.infer<typeof CheckConfigSchema>;
