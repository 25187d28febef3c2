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

const slotHash = (a: number, b: number): number => mix(a, b, 0x1234567);
const partHash = (a: number, b: number): number => mix(a, b, 0x5bd1e995);

/** Token (a, b) → summed weight; b = -1 for a unigram. `stamp` remembers the last alt that added it. */
class TokenTable {
  a: Int32Array;
  b: Int32Array;
  count: Float64Array;
  stamp: Int32Array;
  size = 0;

  constructor(capacity = 1 << 16) {
    this.a = new Int32Array(capacity).fill(EMPTY);
    this.b = new Int32Array(capacity);
    this.count = new Float64Array(capacity);
    this.stamp = new Int32Array(capacity);
  }

  private find(a: number, b: number): number {
    const mask = this.a.length - 1;
    let i = slotHash(a, b) & mask;
    while (this.a[i] !== EMPTY && (this.a[i] !== a || this.b[i] !== b)) i = (i + 1) & mask;
    return i;
  }

  /** Adds `weight` unless alt `stamp` already added this token. */
  add(a: number, b: number, weight: number, stamp: number): void {
    const i = this.find(a, b);
    if (this.a[i] === EMPTY) {
      this.a[i] = a;
      this.b[i] = b;
      this.count[i] = weight;
      this.stamp[i] = stamp;
      if (++this.size * 2 > this.a.length) this.rebuild(this.a.length * 2, () => true);
    } else if (this.stamp[i] !== stamp) {
      this.count[i]! += weight;
      this.stamp[i] = stamp;
    }
  }

  get(a: number, b: number): number {
    const i = this.find(a, b);
    return this.a[i] === EMPTY ? 0 : this.count[i]!;
  }

  /** Re-inserts the entries that `keep` accepts into a table of `capacity` slots. */
  rebuild(capacity: number, keep: (a: number, b: number) => boolean): void {
    const old = { a: this.a, b: this.b, count: this.count, stamp: this.stamp };
    this.a = new Int32Array(capacity).fill(EMPTY);
    this.b = new Int32Array(capacity);
    this.count = new Float64Array(capacity);
    this.stamp = new Int32Array(capacity);
    this.size = 0;
    for (let j = 0; j < old.a.length; j++) {
      const a = old.a[j]!;
      if (a === EMPTY || !keep(a, old.b[j]!)) continue;
      const i = this.find(a, old.b[j]!);
      this.a[i] = a;
      this.b[i] = old.b[j]!;
      this.count[i] = old.count[j]!;
      this.stamp[i] = old.stamp[j]!;
      this.size++;
    }
  }
}

const inPartition = (p: Partition, a: number, b: number): boolean => (partHash(a, b) & p.mask) === p.value;

/** Computes every alt's token rank and stores it (f_alt_ranks). */
export function computeTokenRanks(store: FilterStore, maxTokensInMemory = 2_000_000): TokenRankResult {
  const vocabulary = new Map<string, number>();
  const minFreq = new Float64Array(store.maxAltId() + 1).fill(Infinity);
  const histogram = new Map<number, number>();
  const todo: Partition[] = [{ mask: 0, value: 0 }];
  let previous: { part: Partition; table: TokenTable } | undefined;
  let sweeps = 0;
  while (todo.length > 0 || previous) {
    const part = todo.shift();
    const table = part ? new TokenTable() : undefined;
    const ids: number[] = [];
    for (const [altId, key, weight] of store.iterateAlts()) {
      ids.length = 0;
      for (const word of key.split(' ')) {
        let id = vocabulary.get(word);
        if (id === undefined) vocabulary.set(word, (id = vocabulary.size));
        ids.push(id);
      }
      let lowest = minFreq[altId]!;
      for (let i = 0; i < ids.length; i++) {
        for (let bigram = 0; bigram < 2; bigram++) {
          if (bigram === 1 && i + 1 === ids.length) break;
          const a = ids[i]!;
          const b = bigram === 1 ? ids[i + 1]! : -1;
          if (part && table && inPartition(part, a, b)) {
            table.add(a, b, weight, altId);
            if (table.size > maxTokensInMemory) splitPartition(part, table, todo);
          }
          if (previous && inPartition(previous.part, a, b)) lowest = Math.min(lowest, previous.table.get(a, b));
        }
      }
      minFreq[altId] = lowest;
    }
    sweeps++;
    if (table) for (let i = 0; i < table.a.length; i++) if (table.a[i] !== EMPTY) histogram.set(table.count[i]!, (histogram.get(table.count[i]!) ?? 0) + 1);
    previous = part && table ? { part, table } : undefined;
  }
  const rankOf = ranksByFrequency(histogram);
  store.writeTokenRanks(altRanks(minFreq, rankOf));
  return { distinctTokens: [...histogram.values()].reduce((s, n) => s + n, 0), sweeps };
}

/** Halves `part` in place (one more hash bit), drops the other half from `table` and queues it. */
function splitPartition(part: Partition, table: TokenTable, todo: Partition[]): void {
  const bit = part.mask + 1;
  todo.push({ mask: part.mask | bit, value: part.value | bit });
  part.mask |= bit;
  table.rebuild(table.a.length, (a, b) => inPartition(part, a, b));
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
