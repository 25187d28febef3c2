/**
 * The sample options a data dir's shards are written with, and their hash. The shard stage
 * records the hash per shard (refusing to mix options in one dataset); `check` recomputes it
 * from its config to know which shards it may judge against the resize options.
 */
import type { ShardConfig } from '../config/shard.js';
import { stableHash } from '../util/hash.js';

/** What decides a sample's bytes, its split and its shard's name: shards of one dataset must agree on it. */
export type SampleOptions = Pick<ShardConfig, 'resizeMode' | 'imageSize' | 'resizeOnlyIfBigger' | 'jpegQuality' | 'valFraction' | 'trainPrefix' | 'valPrefix'>;

/** The hash recorded in `shards.options_hash` (16 hex digits). Key order does not matter (stableHash sorts). */
export function sampleOptionsHash(config: SampleOptions): string {
  const { resizeMode, imageSize, resizeOnlyIfBigger, jpegQuality, valFraction, trainPrefix, valPrefix } = config;
  return stableHash({ resizeMode, imageSize, resizeOnlyIfBigger, jpegQuality, valFraction, trainPrefix, valPrefix }).slice(0, 16);
}
