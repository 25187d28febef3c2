/**
 * Token ranks for the rare-token rule, exact, in memory that does not grow with the dataset.
 *
 * - Tokens: the unigrams and bigrams of an alt's counting key split on white space.
 * - Frequency: the number of pairs of the raw dataset whose alt holds the token, each pair counted
 *   once however often the token repeats in it (so "sale sale sale" cannot push "sale" up).
 *   Computed per distinct alt, weighted by how many pairs carry that alt.
 * - rank(t) = the number of distinct tokens strictly more frequent than t, so tokens tied at the
 *   K-th place all have a rank below K and are kept. An alt's rank is that of its rarest token.
 *
 * Memory. The counting key is read as UTF-8 bytes and a token is a byte range of it (a unigram is
 * a word, a bigram two adjacent words and the space between them): equal tokens are equal bytes,
 * so there is no vocabulary, whose size would grow with the data. Tokens are counted in a table
 * (token-table.ts) of at most `maxTokensInMemory` entries; when it would pass that, the token
 * space is split by hash: the current sweep keeps counting one half and the other half is queued
 * for a later sweep. Sweep n also looks up the frequencies counted by sweep n - 1 to lower each
 * alt's rarest-token frequency, so P partitions take P + 1 sweeps over the alts. The first sweep
 * reads the alts from the store and spools them, split and hashed, to a scratch file that the
 * others read back in large chunks (alt-spool.ts). Each alt's lowest frequency, one number per
 * alt, lives in another scratch file (lowest-frequencies.ts), read and written a window at a
 * time as the alts stream past in order.
 */
import { tmpdir } from 'node:os';
import { AlignError } from '../../errors.js';
import type { FilterStore } from '../../store/filter.js';
import { AltSpool, type AltVisitor } from './alt-spool.js';
import { LowestFrequencies } from './lowest-frequencies.js';
import { AltTokens, MAX_PARTITIONS, TokenTable, inPartition, type Partition } from './token-table.js';

export interface TokenRankResult {
  distinctTokens: number;
  sweeps: number;
}

export interface TokenRankOptions {
  /**
   * Distinct tokens counted at once (about 24 bytes each plus their text; two tables live at a
   * time); more split the count into further sweeps. @default 1500000
   */
  maxTokensInMemory?: number;
  /** Alts whose lowest token frequency is held in memory at once (8 bytes each). @default 65536 */
  altWindow?: number;
  /** Where the scratch files (the spooled alts, per-alt frequencies) go; unlinked once open. @default os.tmpdir() (the stage passes the data dir) */
  scratchDir?: string;
  /** Bytes of spooled alts read or written at once (a bigger record grows it). @default 4194304 */
  spoolChunkBytes?: number;
}

interface Sweep {
  /** The partition counted by this sweep (none in the last, lookup-only sweep). */
  part: Partition | undefined;
  table: TokenTable | undefined;
  /** The partition counted by the sweep before, whose frequencies this sweep looks up. */
  previous: { part: Partition; table: TokenTable } | undefined;
  todo: Partition[];
}

/** Computes every alt's token rank and stores it (f_alt_ranks). */
export function computeTokenRanks(store: FilterStore, options: TokenRankOptions = {}): TokenRankResult {
  const maxTokens = options.maxTokensInMemory ?? 1_500_000;
  const scratchDir = options.scratchDir ?? tmpdir();
  const lowest = new LowestFrequencies(scratchDir, options.altWindow ?? 65_536);
  const spool = new AltSpool(scratchDir, options.spoolChunkBytes ?? 4 << 20);
  try {
    const histogram = new Map<number, number>();
    const todo: Partition[] = [{ mask: 0, value: 0 }];
    let previous: Sweep['previous'];
    let sweeps = 0;
    while (todo.length > 0 || previous) {
      const part = todo.shift();
      const table = part ? new TokenTable(maxTokens) : undefined;
      // The first sweep reads the store and spools the alts; the others read the spool.
      const alts = sweeps === 0 ? spoolingFromStore(store, spool) : (visit: AltVisitor) => spool.forEach(new AltTokens(), visit);
      runSweep(alts, lowest, { part, table, previous, todo });
      if (sweeps++ === 0) spool.flush();
      if (table) for (const count of table.counts()) histogram.set(count, (histogram.get(count) ?? 0) + 1);
      previous = part && table ? { part, table } : undefined;
    }
    const rankOf = ranksByFrequency(histogram);
    store.writeTokenRanks(altRanks(lowest, rankOf));
    return { distinctTokens: [...histogram.values()].reduce((s, n) => s + n, 0), sweeps };
  } finally {
    lowest.close();
    spool.close();
  }
}

function spoolingFromStore(store: FilterStore, spool: AltSpool): (visit: AltVisitor) => void {
  return (visit) => {
    const alt = new AltTokens();
    for (const [altId, key, weight] of store.iterateAltKeys()) {
      alt.parse(key);
      spool.append(altId, weight, alt);
      visit(altId, weight, alt);
    }
  };
}

/** One pass over the alts: count this partition's tokens, look up the previous partition's. */
function runSweep(alts: (visit: AltVisitor) => void, lowest: LowestFrequencies, s: Sweep): void {
  alts((altId, weight, alt) => {
    const key = alt.key;
    let low = Infinity;
    for (let t = 0; t < alt.count; t++) {
      const h = alt.hashes[t]!;
      const start = alt.starts[t]!;
      const end = alt.ends[t]!;
      if (s.part && s.table && inPartition(s.part, h) && alt.firstOccurrence(t)) {
        s.table.add(h, key, start, end, weight);
        if (s.table.full) splitPartition(s.part, s.table, s.todo);
      }
      if (s.previous && inPartition(s.previous.part, h)) low = Math.min(low, s.previous.table.get(h, key, start, end));
    }
    if (low !== Infinity) lowest.lower(altId, low);
  });
}

/** Halves `part` in place (one more hash bit), drops the other half from `table` and queues it. */
function splitPartition(part: Partition, table: TokenTable, todo: Partition[]): void {
  const bit = part.mask + 1;
  if (bit >= MAX_PARTITIONS) {
    throw tooManyTokens(`more than ${MAX_PARTITIONS} × maxTokensInMemory distinct tokens`, 'raise maxTokensInMemory (FilterRunOptions.tokens): each sweep then holds more tokens');
  }
  todo.push({ mask: part.mask | bit, value: part.value | bit });
  part.mask |= bit;
  table.retain((h) => inPartition(part, h));
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

function* altRanks(lowest: LowestFrequencies, rankOf: Map<number, number>): Generator<[number, number]> {
  for (const [altId, freq] of lowest.entries()) yield [altId, rankOf.get(freq) ?? 0];
}

/** A limit of the count passed by the data: it stops the run (nothing is written yet), with what to do. */
function tooManyTokens(what: string, hint: string): AlignError {
  return new AlignError('E_RUNTIME', `rare tokens: ${what}; no decision was written`, { hint });
}
