/**
 * The filter interface: what a file in filters/ (or a user's own module) exports.
 *
 * A filter says when a pair is KEPT, in one of two ways:
 * - `where`: a SQL boolean expression over the pair's columns (snake_case names of `Pair`'s fields,
 *   e.g. `min(width, height) > :minSide`), run inside SQLite over the whole raw dataset at once.
 *   Use this whenever you can: it is what keeps a million pairs in seconds.
 * - `keep`: a synchronous JavaScript predicate over a `Pair` object, called once per pair
 *   (as a SQLite function). Name the `fields` it reads so that only those are fetched.
 *
 * A pair is kept only when the condition is true (NULL or false rejects it). Options are declared
 * with a zod schema built from the `zod` instance passed in, so a module needs no import at all:
 *
 * ```js
 * export default {
 *   name: 'min-alt-chars',
 *   describe: 'the alt text has at least `min` characters',
 *   options: (z) => z.strictObject({ min: z.int().positive().default(5) }),
 *   keep: (pair, options) => [...pair.altNorm].length >= options.min,
 *   fields: ['altNorm'],
 * };
 * ```
 *
 * Files in filters/ import only this file.
 */
import type { z } from 'zod';

/** The zod namespace, handed to `options` so that filter modules need not resolve zod themselves. */
export type Zod = typeof z;

/** One pair of the raw dataset (its image fetched and probed), with the counts over that dataset. */
export interface Pair {
  pairId: number;
  pageId: number;
  imageId: number;
  /** Alt text as found on the page. */
  altRaw: string;
  /** NFC, trimmed, white space collapsed: what a shard writes. */
  altNorm: string;
  /** `altNorm` lower-cased: what counting uses. */
  altKey: string;
  /** White-space separated words of `altNorm`. */
  wordCount: number;
  /** sha256 of the image bytes: the image's identity. */
  sha256: string;
  /** Displayed width and height in px (after EXIF orientation). */
  width: number;
  height: number;
  format: string;
  bytes: number;
  /** 64-bit perceptual hash as 16 hex digits, NULL until eval dedup computed it. */
  phash: string | null;
  imageUrl: string;
  imageHost: string;
  /** X-Robots-Tag directives of the image response ('noai', 'noimageai', ...) or NULL. */
  imageOptOut: string | null;
  pageUrl: string;
  pageHost: string;
  /** Robots meta / X-Robots-Tag directives of the page or NULL. */
  pageOptOut: string | null;
  /** Distinct images (by sha256) whose pairs carry this `altKey`. */
  imagesPerAlt: number;
  /** Distinct `altKey`s on this image (by sha256). */
  altsPerImage: number;
  /**
   * Frequency rank of the alt's rarest unigram or bigram: how many distinct tokens of the raw
   * dataset are strictly more frequent (0: every token is among the most frequent). Computed only
   * when a filter reads it.
   */
  tokenRank: number;
  /** Image/caption cosine under a trained run (`align-data score`); null when not scored. */
  modelScore: number | null;
}

export type PairField = keyof Pair;

/** Numbers about the raw dataset, known before any filter runs. */
export interface DatasetFacts {
  /** Pairs whose image was fetched and probed. */
  pairs: number;
  /** Distinct images (sha256) among them. */
  images: number;
  /** An upper bound on the distinct unigrams and bigrams of their alt texts. */
  maxDistinctTokens: number;
}

export type SqlValue = number | string | bigint | null;

/** A SQL condition; `:name` placeholders are bound from `params`. */
export interface SqlCondition {
  sql: string;
  params?: Record<string, SqlValue>;
}

/** What the filter stage lends a filter's `prepare`. */
export interface FilterTools {
  /** 64-bit perceptual hashes (16 hex digits) of the images in these files and folders (recursive). */
  hashImageFiles(paths: readonly string[]): Promise<string[]>;
  /** Computes and stores the perceptual hash of every stored image that lacks one. */
  hashStoredImages(): Promise<void>;
  log: { info(message: string): void; warn(message: string): void };
}

export interface Filter<O = any, S = any> {
  /** kebab-case; also the reason stored for the pairs it rejects. */
  name: string;
  /** One line: when a pair is kept. */
  describe: string;
  /** Its options, validated before any work; a bad one exits 2 naming it. */
  options?: (zod: Zod) => z.ZodType<O>;
  /** False when the options make it a no-op (nothing to check). @default always active */
  active?: (options: O, facts: DatasetFacts) => boolean;
  /** Async work before the pairs are judged (e.g. hashing images); its result is `keep`'s `state`. */
  prepare?: (options: O, tools: FilterTools) => Promise<S>;
  /** SQL: true when the pair is kept. */
  where?: (options: O) => SqlCondition | string;
  /** JavaScript: true when the pair is kept. Synchronous; reads only `fields`. */
  keep?: (pair: Pair, options: O, state: S) => boolean;
  /** The fields `keep` reads. @default every field */
  fields?: readonly PairField[];
}

/** The output type of an options builder, e.g. `type Options = OptionsOf<typeof options>`. */
export type OptionsOf<F extends (zod: Zod) => z.ZodType> = z.output<ReturnType<F>>;

/** Identity, for type inference: `export default defineFilter({ ... })`. */
export function defineFilter<O, S = undefined>(filter: Filter<O, S>): Filter<O, S> {
  return filter;
}
