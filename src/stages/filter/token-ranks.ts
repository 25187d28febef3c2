/**
 * Token ranks for the rare-token rule, exact and in bounded memory.
 *
 * - Tokens: the unigrams and bigrams of an alt's counting key split on white space.
 * - Frequency: the number of pairs of the raw dataset whose alt holds the token, each pair counted
 *   once however often the token repeats in it (so "sale sale sale" cannot push "sale" up).
 *   Computed per distinct alt, weighted by how many pairs carry that alt.
 * - rank(t) = the number of distinct tokens strictly more frequent than t, so tokens tied at the
 *   K-th place all have a rank below K and are kept. An alt's rank is that of its rarest token.
 *
 * Words map to integer ids (the vocabulary grows slowly with the data); a token is a pair of ids,
 * counted in an open-addressing table of typed arrays. When the table would pass
 * `maxTokensInMemory` entries, the token space is split by hash: the current sweep keeps counting
 * one half and the other half is queued for a later sweep. Sweep n also looks up the frequencies
 * counted by sweep n - 1 to lower each alt's rarest-token frequency, so P partitions take P + 1
 * sweeps over the alt texts (2 when everything fits, as at a million pairs).
 */
import { AlignError } from '../../errors.js';
import type { FilterStore } from '../../store/filter.js';

export interface TokenRankResult {
  distinctTokens: number;
  sweeps: number;
}

interface Partition {
  mask: number;
  value: number;
}

const EMPTY = -1;

function mix(a: number, b: number, seed: number): number {
  let h = Math.imul(a ^ seed, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * One 32-bit hash per token: its low bits pick the table slot, its top 8 bits the partition
 * (so a partition's tokens still spread over the whole table). Hence at most 256 partitions.
 */
const hashToken = (a: number, b: number): number => mix(a, b, 0x5bd1e995);
const MAX_PARTITIONS = 256;

/**
 * Token (a, b) → summed weight (b = -1 for a unigram), open addressing with linear probing in one
 * interleaved Int32Array [a, b, count] per slot: one cache line per probe, no per-entry garbage.
 */
class TokenTable {
  slots: Int32Array;
  size = 0;

  constructor(capacity = 1 << 16) {
    this.slots = new Int32Array(capacity * 3).fill(EMPTY);
  }

  get capacity(): number {
    return this.slots.length / 3;
  }

  /** The slot index (× 3) holding (a, b), or the empty one where it would go. */
  private find(h: number, a: number, b: number): number {
    const mask = this.capacity - 1;
    const s = this.slots;
    let i = h & mask;
    while (s[i * 3] !== EMPTY && (s[i * 3] !== a || s[i * 3 + 1] !== b)) i = (i + 1) & mask;
    return i * 3;
  }

  /** Adds `weight` to the count of (a, b). */
  add(h: number, a: number, b: number, weight: number): void {
    const j = this.find(h, a, b);
    const s = this.slots;
    if (s[j] !== EMPTY) {
      s[j + 2]! += weight;
      return;
    }
    s[j] = a;
    s[j + 1] = b;
    s[j + 2] = weight;
    // Grow at 3/4 full: linear probing stays short.
    if (++this.size * 4 > this.capacity * 3) this.rebuild(this.capacity * 2, () => true);
  }

  get(h: number, a: number, b: number): number {
    const j = this.find(h, a, b);
    return this.slots[j] === EMPTY ? 0 : this.slots[j + 2]!;
  }

  *counts(): Generator<number> {
    for (let j = 0; j < this.slots.length; j += 3) if (this.slots[j] !== EMPTY) yield this.slots[j + 2]!;
  }

  /** Re-inserts the entries that `keep` accepts into a table of `capacity` slots. */
  rebuild(capacity: number, keep: (a: number, b: number) => boolean): void {
    const old = this.slots;
    this.slots = new Int32Array(capacity * 3).fill(EMPTY);
    this.size = 0;
    for (let j = 0; j < old.length; j += 3) {
      const a = old[j]!;
      if (a === EMPTY || !keep(a, old[j + 1]!)) continue;
      const k = this.find(hashToken(a, old[j + 1]!), a, old[j + 1]!);
      this.slots[k] = a;
      this.slots[k + 1] = old[j + 1]!;
      this.slots[k + 2] = old[j + 2]!;
      this.size++;
    }
  }
}

const inPartition = (p: Partition, h: number): boolean => ((h >>> 24) & p.mask) === p.value;

/** Calls `visit(altId, weight, words, start, end)` for every alt; words[start..end) are its word ids. */
type AltVisitor = (altId: number, weight: number, words: ArrayLike<number>, start: number, end: number) => void;

/**
 * The alts as word ids. The first pass reads the alt texts from the store and maps words to ids;
 * it also records the ids in typed arrays, up to `maxCachedWords`, so that later passes skip
 * SQLite, splitting and the vocabulary. Past the budget the record is dropped and every pass
 * re-reads the store: memory stays bounded whatever the size of the dataset.
 */
class AltWords {
  private readonly vocabulary = new Map<string, number>();
  private cache: { words: Int32Array; ends: Int32Array; alts: Int32Array; weights: Int32Array; nWords: number; nAlts: number } | undefined;
  private complete = false;

  constructor(
    private readonly store: FilterStore,
    private readonly maxCachedWords: number,
  ) {
    this.cache = { words: new Int32Array(1 << 16), ends: new Int32Array(1 << 12), alts: new Int32Array(1 << 12), weights: new Int32Array(1 << 12), nWords: 0, nAlts: 0 };
  }

  forEach(visit: AltVisitor): void {
    const c = this.cache;
    if (c && this.complete) {
      for (let i = 0, start = 0; i < c.nAlts; start = c.ends[i]!, i++) visit(c.alts[i]!, c.weights[i]!, c.words, start, c.ends[i]!);
      return;
    }
    const ids: number[] = [];
    for (const [altId, key, weight] of this.store.iterateAlts()) {
      ids.length = 0;
      for (const word of key.split(' ')) {
        let id = this.vocabulary.get(word);
        if (id === undefined) this.vocabulary.set(word, (id = this.vocabulary.size));
        ids.push(id);
      }
      if (this.vocabulary.size > MAX_WORDS) throw tooManyTokens(`more than ${MAX_WORDS} distinct words`, 'turn the rare-token filter off (filter.rareTokens) or filter a smaller store');
      this.record(altId, weight, ids);
      visit(altId, weight, ids, 0, ids.length);
    }
    this.complete = this.cache !== undefined;
  }

  private record(altId: number, weight: number, ids: number[]): void {
    const c = this.cache;
    if (!c || this.complete) return;
    if (c.nWords + ids.length > this.maxCachedWords) {
      this.cache = undefined;
      return;
    }
    if (c.nWords + ids.length > c.words.length) c.words = grow(c.words, c.nWords + ids.length);
    if (c.nAlts === c.ends.length) {
      c.ends = grow(c.ends, c.nAlts + 1);
      c.alts = grow(c.alts, c.nAlts + 1);
      c.weights = grow(c.weights, c.nAlts + 1);
    }
    c.words.set(ids, c.nWords);
    c.nWords += ids.length;
    c.ends[c.nAlts] = c.nWords;
    c.alts[c.nAlts] = altId;
    c.weights[c.nAlts++] = weight;
  }
}

/** Word ids fit in 26 bits, so a token (a, b) is exactly a * 2^26 + b + 1 where one number is needed. */
const MAX_WORDS = 67_108_864;

function grow(a: Int32Array, needed: number): Int32Array {
  let n = a.length * 2;
  while (n < needed) n *= 2;
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

export interface TokenRankOptions {
  /** Distinct tokens counted at once (12 bytes each, in a table up to 4/3 larger); more split the count into further sweeps. @default 3000000 */
  maxTokensInMemory?: number;
  /** Word ids of the alts kept in memory between sweeps (4 bytes each). @default 16000000 */
  maxCachedWords?: number;
}

/** Computes every alt's token rank and stores it (f_alt_ranks). */
export function computeTokenRanks(store: FilterStore, options: TokenRankOptions = {}): TokenRankResult {
  const maxTokens = options.maxTokensInMemory ?? 3_000_000;
  const alts = new AltWords(store, options.maxCachedWords ?? 16_000_000);
  const minFreq = new Float64Array(store.maxAltId() + 1).fill(Infinity);
  const histogram = new Map<number, number>();
  const todo: Partition[] = [{ mask: 0, value: 0 }];
  let previous: { part: Partition; table: TokenTable } | undefined;
  let sweeps = 0;
  const seen: Seen = { list: [], set: undefined }; // the current alt's tokens: each counts once per alt
  while (todo.length > 0 || previous) {
    const part = todo.shift();
    const table = part ? new TokenTable() : undefined;
    alts.forEach((altId, weight, words, start, end) => {
      seen.list.length = 0;
      seen.set = undefined;
      let lowest = minFreq[altId]!;
      for (let i = start; i < end; i++) {
        for (let bigram = 0; bigram < 2; bigram++) {
          if (bigram === 1 && i + 1 === end) break;
          const a = words[i]!;
          const b = bigram === 1 ? words[i + 1]! : -1;
          const h = hashToken(a, b);
          if (part && table && inPartition(part, h) && !seenBefore(seen, a, b)) {
            table.add(h, a, b, weight);
            if (table.size > maxTokens) splitPartition(part, table, todo);
          }
          if (previous && inPartition(previous.part, h)) lowest = Math.min(lowest, previous.table.get(h, a, b));
        }
      }
      minFreq[altId] = lowest;
    });
    sweeps++;
    if (table) for (const count of table.counts()) histogram.set(count, (histogram.get(count) ?? 0) + 1);
    previous = part && table ? { part, table } : undefined;
  }
  const rankOf = ranksByFrequency(histogram);
  store.writeTokenRanks(altRanks(minFreq, rankOf));
  return { distinctTokens: [...histogram.values()].reduce((s, n) => s + n, 0), sweeps };
}

/**
 * True when (a, b) is already in `seen`, else records it. Most alts have tens of tokens, where a
 * scan beats a Set; past 64 tokens the list gives way to a Set of a * 2^26 + b + 1.
 */
function seenBefore(seen: Seen, a: number, b: number): boolean {
  if (seen.set) {
    const key = a * MAX_WORDS + b + 1;
    if (seen.set.has(key)) return true;
    seen.set.add(key);
    return false;
  }
  const list = seen.list;
  for (let i = 0; i < list.length; i += 2) if (list[i] === a && list[i + 1] === b) return true;
  list.push(a, b);
  if (list.length > 128) {
    seen.set = new Set();
    for (let i = 0; i < list.length; i += 2) seen.set.add(list[i]! * MAX_WORDS + list[i + 1]! + 1);
  }
  return false;
}

interface Seen {
  list: number[];
  set: Set<number> | undefined;
}

/** Halves `part` in place (one more hash bit), drops the other half from `table` and queues it. */
function splitPartition(part: Partition, table: TokenTable, todo: Partition[]): void {
  const bit = part.mask + 1;
  if (bit >= MAX_PARTITIONS) {
    throw tooManyTokens(`more than ${MAX_PARTITIONS} × maxTokensInMemory distinct tokens`, 'raise maxTokensInMemory (FilterRunOptions.tokens): each sweep then holds more tokens');
  }
  todo.push({ mask: part.mask | bit, value: part.value | bit });
  part.mask |= bit;
  table.rebuild(table.capacity, (a, b) => inPartition(part, hashToken(a, b)));
}

/** A limit of the count passed by the data: it stops the run (nothing is written yet), with what to do. */
function tooManyTokens(what: string, hint: string): AlignError {
  return new AlignError('E_RUNTIME', `rare tokens: ${what}; no decision was written`, { hint });
}

/** frequency → number of distinct tokens strictly more frequent. */
function ranksByFrequency(histogram: Map<number, number>): Map<number, number> {
  const rankOf = new Map<number, number>();
  let above = 0;
  for (const freq of [...histogram.keys()].sort((x, y) => y - x)) {
    rankOf.set(freq, above);
    above += histogram.get(freq)!;
  }
  return rankOf;
}

function* altRanks(minFreq: Float64Array, rankOf: Map<number, number>): Generator<[number, number]> {
  for (let id = 0; id < minFreq.length; id++) {
    const f = minFreq[id]!;
    if (f !== Infinity) yield [id, rankOf.get(f) ?? 0];
  }
}
