/**
 * Eval-set dedup: drop images that are near-duplicates of an image in a given evaluation set
 * (COCO, Flickr30K test images, ...), so that nobody trains on their test set. Images are compared
 * by a 64-bit perceptual hash; within `maxDistanceBits` differing bits is a near-duplicate.
 */
import type { Filter, OptionsOf, Zod } from './api.js';

const options = (z: Zod) =>
  z.strictObject({
    /** Apply this filter when eval images are given. @default true */
    enabled: z.boolean().default(true),
    /** Files or folders (searched recursively) of evaluation images; empty turns the filter off. Also `--eval-images`. @default [] */
    evalImages: z.array(z.string().min(1)).default([]),
    /** Hashes that differ in at most this many of their 64 bits are near-duplicates. @default 4 */
    maxDistanceBits: z.int().min(0).max(31).default(4),
  });

type Options = OptionsOf<typeof options>;

/** A hash as two 32-bit halves. */
type Hash64 = [hi: number, lo: number];

function parseHash(hex: string): Hash64 {
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0];
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** `len` (≤ 32) bits of the 64-bit hash starting at bit `start` (0 = most significant). */
function bitsOf([hi, lo]: Hash64, start: number, len: number): number {
  let out = 0;
  for (let i = start; i < start + len; i++) {
    const bit = i < 32 ? (hi >>> (31 - i)) & 1 : (lo >>> (63 - i)) & 1;
    out = out * 2 + bit;
  }
  return out;
}

/**
 * Multi-index hashing: split the 64 bits into D + 1 chunks. Two hashes within D bits agree
 * exactly on at least one chunk (pigeonhole), so a lookup compares only the eval hashes that
 * share a chunk with it instead of every one of them.
 */
export class NearDuplicateIndex {
  private readonly chunks: { start: number; len: number; table: Map<number, Hash64[]> }[] = [];

  constructor(
    hashes: readonly string[],
    private readonly maxDistance: number,
  ) {
    const n = maxDistance + 1;
    for (let c = 0, start = 0; c < n; c++) {
      const len = Math.floor(64 / n) + (c < 64 % n ? 1 : 0);
      this.chunks.push({ start, len, table: new Map() });
      start += len;
    }
    for (const hex of hashes) {
      const h = parseHash(hex);
      for (const chunk of this.chunks) {
        const key = bitsOf(h, chunk.start, chunk.len);
        const list = chunk.table.get(key);
        if (list) list.push(h);
        else chunk.table.set(key, [h]);
      }
    }
  }

  has(hex: string): boolean {
    const h = parseHash(hex);
    for (const chunk of this.chunks) {
      for (const e of chunk.table.get(bitsOf(h, chunk.start, chunk.len)) ?? []) {
        if (popcount((e[0] ^ h[0]) >>> 0) + popcount((e[1] ^ h[1]) >>> 0) <= this.maxDistance) return true;
      }
    }
    return false;
  }
}

export const evalDedup: Filter<Options, NearDuplicateIndex> = {
  name: 'eval-dedup',
  describe: 'the image is no near-duplicate (perceptual hash within maxDistanceBits) of an eval image',
  options,
  active: (o) => o.enabled && o.evalImages.length > 0,
  prepare: async (o, tools) => {
    const hashes = await tools.hashImageFiles(o.evalImages);
    if (hashes.length === 0) tools.log.warn(`eval-dedup: no decodable image in ${o.evalImages.join(', ')}`);
    await tools.hashStoredImages();
    return new NearDuplicateIndex(hashes, o.maxDistanceBits);
  },
  // An image whose hash could not be computed cannot be written to a shard either: let it pass here.
  keep: (pair, _o, index) => pair.phash === null || !index.has(pair.phash),
  fields: ['phash'],
};
