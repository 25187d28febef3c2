/**
 * The rare-token count's two data structures: an alt's tokens as byte ranges of its UTF-8 counting
 * key (AltTokens), and the table that sums a weight per distinct token (TokenTable). Both work on
 * bytes and typed arrays: no string is made per token and nothing grows beyond its bound.
 */

/** A slice of the token space: the tokens whose hash has `value` in the bits of `mask` (top 8 bits). */
export interface Partition {
  mask: number;
  value: number;
}

/** The top 8 bits of a token's hash pick its partition, so at most 256 partitions. */
export const MAX_PARTITIONS = 256;

export const inPartition = (p: Partition, h: number): boolean => ((h >>> 24) & p.mask) === p.value;

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** FNV-1a over bytes[start..end). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

function bytesEqual(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

const SPACE = 0x20;
const UNIGRAM = 0x2545f491;
/** Past this many tokens an alt's repeats are found by a hash map rather than a scan. */
const SCAN_LIMIT = 128;

/**
 * One alt's tokens: for word i its unigram, then the bigram of words i and i + 1, each as a byte
 * range of the key and a hash (a function of those bytes only). Buffers are reused across alts.
 */
export class AltTokens {
  count = 0;
  hashes: Int32Array<ArrayBuffer> = new Int32Array(64);
  starts: Int32Array<ArrayBuffer> = new Int32Array(64);
  ends: Int32Array<ArrayBuffer> = new Int32Array(64);
  /** The bytes the starts and ends point into: the alt's key, or a chunk holding it. */
  key: Uint8Array = new Uint8Array(0);
  private repeats: Map<number, number[]> | undefined;

  /** Takes n tokens as spooled: hashes at ints[at..], starts and ends after them, relative to bytes[keyAt..]. */
  load(bytes: Uint8Array, keyAt: number, ints: Int32Array, at: number, n: number): void {
    this.key = bytes;
    this.count = 0;
    this.repeats = undefined;
    for (let t = 0; t < n; t++) this.push(ints[at + t]!, keyAt + ints[at + n + t]!, keyAt + ints[at + 2 * n + t]!);
  }

  /** Splits the key on spaces as String.split(' ') would (an empty key is one empty word). */
  parse(key: Uint8Array): void {
    this.key = key;
    this.count = 0;
    this.repeats = undefined;
    let wordStart = 0;
    let prev = { start: -1, hash: 0 };
    for (let i = 0; i <= key.length; i++) {
      if (i < key.length && key[i] !== SPACE) continue;
      const hash = hashBytes(key, wordStart, i);
      this.push(mix(hash, UNIGRAM), wordStart, i);
      if (prev.start >= 0) this.push(mix(prev.hash, hash), prev.start, i);
      prev = { start: wordStart, hash };
      wordStart = i + 1;
    }
  }

  private push(hash: number, start: number, end: number): void {
    if (this.count === this.hashes.length) {
      const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      [this.hashes, this.starts, this.ends] = [grow(this.hashes), grow(this.starts), grow(this.ends)];
    }
    this.hashes[this.count] = hash;
    this.starts[this.count] = start;
    this.ends[this.count++] = end;
  }

  /** True when token t is the first of its kind in this alt (each token counts once per alt). */
  firstOccurrence(t: number): boolean {
    const h = this.hashes[t]!;
    if (this.count > SCAN_LIMIT) return !this.repeatIndex().get(h)!.some((u) => u < t && this.same(u, t));
    for (let u = 0; u < t; u++) if (this.hashes[u] === h && this.same(u, t)) return false;
    return true;
  }

  private same(u: number, t: number): boolean {
    const length = this.ends[t]! - this.starts[t]!;
    return this.ends[u]! - this.starts[u]! === length && bytesEqual(this.key, this.starts[u]!, this.key, this.starts[t]!, length);
  }

  private repeatIndex(): Map<number, number[]> {
    if (this.repeats) return this.repeats;
    this.repeats = new Map();
    for (let u = 0; u < this.count; u++) {
      const list = this.repeats.get(this.hashes[u]!);
      if (list) list.push(u);
      else this.repeats.set(this.hashes[u]!, [u]);
    }
    return this.repeats;
  }
}

const EMPTY = -1;
/** Token text a table may hold, per entry of its bound, before it counts as full. */
const BYTES_PER_TOKEN = 32;
/** Int32s per slot: hash, offset of the text in the arena (EMPTY: free slot), its length, padding. */
const STRIDE = 4;

/**
 * Token → summed weight, open addressing with linear probing. A slot's hash, text offset and
 * length sit side by side in one Int32Array (a probe reads one cache line); the text is copied
 * into one arena, the weights are in a Float64Array touched only on a hit. Capacity is capped at
 * what `maxTokens` entries need at a load of 3/4; the caller splits the partition once `full`.
 */
export class TokenTable {
  size = 0;
  private slots: Int32Array;
  private weights: Float64Array;
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  private readonly maxCapacity: number;

  constructor(private readonly maxTokens: number) {
    let cap = 16;
    while (cap * 3 < (maxTokens + 1) * 4) cap *= 2;
    this.maxCapacity = cap;
    const initial = Math.min(cap, 1 << 12);
    this.slots = new Int32Array(initial * STRIDE).fill(EMPTY);
    this.weights = new Float64Array(initial);
  }

  /** More entries, or more token text, than the bound allows. */
  get full(): boolean {
    return this.size > this.maxTokens || this.arenaUsed > this.maxTokens * BYTES_PER_TOKEN;
  }

  private get capacity(): number {
    return this.weights.length;
  }

  /** The slot of bytes[start..end), or the empty slot where it would go. */
  private find(h: number, bytes: Uint8Array, start: number, end: number): number {
    const mask = this.capacity - 1;
    const s = this.slots;
    const length = end - start;
    const hash = h | 0;
    let i = h & mask;
    for (; s[i * STRIDE + 1] !== EMPTY; i = (i + 1) & mask) {
      const j = i * STRIDE;
      if (s[j] === hash && s[j + 2] === length && bytesEqual(this.arena, s[j + 1]!, bytes, start, length)) return i;
    }
    return i;
  }

  /** Adds `weight` to the count of the token bytes[start..end) whose hash is h. */
  add(h: number, bytes: Uint8Array, start: number, end: number, weight: number): void {
    const i = this.find(h, bytes, start, end);
    if (this.slots[i * STRIDE + 1] !== EMPTY) {
      this.weights[i]! += weight;
      return;
    }
    this.put(i, h, this.copyIn(bytes, start, end), end - start, weight);
    if (++this.size * 4 > this.capacity * 3 && this.capacity < this.maxCapacity) this.rebuild(this.capacity * 2);
  }

  get(h: number, bytes: Uint8Array, start: number, end: number): number {
    const i = this.find(h, bytes, start, end);
    return this.slots[i * STRIDE + 1] === EMPTY ? 0 : this.weights[i]!;
  }

  *counts(): Generator<number> {
    for (let i = 0; i < this.capacity; i++) if (this.slots[i * STRIDE + 1] !== EMPTY) yield this.weights[i]!;
  }

  /**
   * Keeps only the tokens whose hash `keep` accepts, in place: a split must not allocate a second
   * table (and leave the first as garbage) at the moment the table is at its largest.
   */
  retain(keep: (h: number) => boolean): void {
    const s = this.slots;
    for (let i = 0; i < this.capacity; i++) {
      // What moves into a freed slot is checked again.
      while (s[i * STRIDE + 1] !== EMPTY && !keep(s[i * STRIDE]! >>> 0)) this.removeAt(i);
    }
    this.compactArena();
  }

  /** Frees slot i; later entries of its probe run that may move back do (backward-shift deletion). */
  private removeAt(i: number): void {
    const s = this.slots;
    const mask = this.capacity - 1;
    let hole = i;
    for (let j = (i + 1) & mask; s[j * STRIDE + 1] !== EMPTY; j = (j + 1) & mask) {
      const home = s[j * STRIDE]! & mask;
      // The entry at j stays when its home slot lies cyclically in (hole, j].
      if (hole <= j ? hole < home && home <= j : hole < home || home <= j) continue;
      for (let k = 0; k < STRIDE; k++) s[hole * STRIDE + k] = s[j * STRIDE + k]!;
      this.weights[hole] = this.weights[j]!;
      hole = j;
    }
    s[hole * STRIDE] = EMPTY;
    s[hole * STRIDE + 1] = EMPTY;
    this.size--;
  }

  /** Moves the live tokens' text to the front of the arena, in offset order (each moves down). */
  private compactArena(): void {
    const cap = this.capacity;
    const s = this.slots;
    // offset × capacity + slot: exact in a double (offsets < 2^31, capacity ≤ 2^22), sorted natively.
    const order = new Float64Array(this.size);
    let n = 0;
    for (let i = 0; i < cap; i++) if (s[i * STRIDE + 1] !== EMPTY) order[n++] = s[i * STRIDE + 1]! * cap + i;
    order.sort();
    let write = 0;
    for (const v of order) {
      const i = v % cap;
      const offset = (v - i) / cap;
      const length = s[i * STRIDE + 2]!;
      this.arena.copyWithin(write, offset, offset + length);
      s[i * STRIDE + 1] = write;
      write += length;
    }
    this.arenaUsed = write;
  }

  private put(i: number, h: number, offset: number, length: number, weight: number): void {
    const j = i * STRIDE;
    this.slots[j] = h;
    this.slots[j + 1] = offset;
    this.slots[j + 2] = length;
    this.weights[i] = weight;
  }

  private copyIn(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      let n = this.arena.length * 2;
      while (n < this.arenaUsed + length) n *= 2;
      const bigger = new Uint8Array(n);
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    const offset = this.arenaUsed;
    for (let k = 0; k < length; k++) this.arena[offset + k] = bytes[start + k]!;
    this.arenaUsed += length;
    return offset;
  }

  /** Re-inserts every token into `capacity` slots (the table grows); the text stays where it is. */
  private rebuild(capacity: number): void {
    const [slots, weights] = [this.slots, this.weights];
    this.slots = new Int32Array(capacity * STRIDE).fill(EMPTY);
    this.weights = new Float64Array(capacity);
    for (let j = 0; j < weights.length; j++) {
      const [h, offset, length] = [slots[j * STRIDE]!, slots[j * STRIDE + 1]!, slots[j * STRIDE + 2]!];
      if (offset === EMPTY) continue;
      this.put(this.find(h >>> 0, this.arena, offset, offset + length), h, offset, length, weights[j]!);
    }
  }
}
