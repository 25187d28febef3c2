/**
 * The rare-token rule with small K: ties at the K-th place, the frequency of a token (pairs whose
 * alt holds it, once per pair), and the partitioned count against a plain reference count.
 */
import { readdirSync } from 'node:fs';
import { FilterConfigSchema } from '../../../src/config/filter.js';
import { runFilter, type FilterRunOptions } from '../../../src/stages/filter/index.js';
import { makeContext } from '../../../src/util/context.js';
import { altKey, normalizeAlt } from '../../../src/util/text.js';
import { makeTempDir } from '../../helpers/paths.js';
import { readDecisions, StoreBuilder } from './make-store.js';

/** Word-count, images-per-alt and the rest off: only rare-tokens decides. */
const onlyRareTokens = (topK: number) =>
  FilterConfigSchema.parse({
    rareTokens: { topK },
    wordCount: { enabled: false },
    imagesPerAlt: { enabled: false },
  });

async function keptAlts(alts: string[], topK: number, options: FilterRunOptions = {}): Promise<{ kept: Set<string>; active: boolean; sweeps: number }> {
  const tmp = makeTempDir('align-rare-');
  try {
    const s = new StoreBuilder(tmp.dir);
    const ids = alts.map((alt) => s.simplePair(alt));
    s.close();
    const summary = await runFilter(onlyRareTokens(topK), makeContext(tmp.dir), options);
    const d = readDecisions(tmp.dir);
    // The count's scratch files (in the data dir) are gone once the run is over.
    expect(readdirSync(tmp.dir).filter((name) => !name.startsWith('align.db'))).toEqual([]);
    const kept = new Set(alts.filter((_, i) => d.get(ids[i]!)!.kept === 1));
    return { kept, active: summary.filters['rare-tokens']!.active, sweeps: summary.tokens?.sweeps ?? 0 };
  } finally {
    tmp.cleanup();
  }
}

/** The rule, written the plain way: every token counted in a Map, ranks by sorting. */
function referenceKept(alts: string[], topK: number): Set<string> {
  const tokensOf = (alt: string): Set<string> => {
    const w = altKey(normalizeAlt(alt)).split(' ');
    return new Set([...w, ...w.slice(1).map((x, i) => `${w[i]} ${x}`)]);
  };
  const freq = new Map<string, number>();
  for (const alt of alts) for (const t of tokensOf(alt)) freq.set(t, (freq.get(t) ?? 0) + 1);
  const rank = (t: string): number => [...freq.values()].filter((f) => f > freq.get(t)!).length;
  return new Set(alts.filter((alt) => [...tokensOf(alt)].every((t) => rank(t) < topK)));
}

describe('rare tokens', () => {
  // Frequencies (pairs holding the token): cat 5; black, white, sitting, "black cat", "white cat",
  // "cat sitting" 2 each (rank 1); running, jumping, "cat running", "cat jumping", "cat cat" 1 (rank 7).
  const alts = ['black cat sitting', 'black cat running', 'white cat sitting', 'white cat jumping', 'cat cat cat'];
  const onlyFrequent = new Set(['black cat sitting', 'white cat sitting']);

  test('a token is rare when K or more distinct tokens are strictly more frequent; ties at the K-th place are kept', async () => {
    expect((await keptAlts(alts, 1)).kept).toEqual(new Set());
    // K = 2: cat, and all six tokens tied for the 2nd place.
    expect((await keptAlts(alts, 2)).kept).toEqual(onlyFrequent);
    expect((await keptAlts(alts, 7)).kept).toEqual(onlyFrequent);
    expect((await keptAlts(alts, 8)).kept).toEqual(new Set(alts));
    for (const k of [1, 2, 7, 8]) expect(referenceKept(alts, k)).toEqual((await keptAlts(alts, k)).kept);
  });

  test('a token repeated in one alt counts once for that pair', async () => {
    // Per pair: cat 2, dog 2 (tied at rank 0), "cat cat" 1. Counted per occurrence, cat would be 5
    // and dog would rank 1, rare with K = 1.
    const input = ['cat cat cat cat', 'cat', 'dog', 'dog'];
    expect((await keptAlts(input, 1)).kept).toEqual(new Set(['cat', 'dog']));
  });

  test('with K at least the number of distinct tokens the count is skipped and everything kept', async () => {
    const { kept, active } = await keptAlts(alts, 1000);
    expect(active).toBe(false);
    expect(kept).toEqual(new Set(alts));
  });

  test('the count split into many partitions (tiny memory bound) agrees with the plain count', async () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const vocabulary = Array.from({ length: 60 }, (_, i) => `w${i}`);
    const input = Array.from({ length: 300 }, (_, i) => {
      const n = 1 + Math.floor(random() * 6);
      // A Zipf-ish pick: low word numbers are common.
      const words = Array.from({ length: n }, () => vocabulary[Math.floor(vocabulary.length * random() ** 3)]!);
      return i % 7 === 0 ? words.join(' ').toUpperCase() : words.join(' ');
    });
    for (const topK of [5, 40, 150]) {
      const expected = referenceKept(input, topK);
      expect((await keptAlts(input, topK)).kept).toEqual(expected);
      const split = await keptAlts(input, topK, { tokens: { maxTokensInMemory: 20, altWindow: 16, spoolChunkBytes: 256 } });
      expect(split.kept).toEqual(expected);
      expect(split.sweeps).toBeGreaterThan(4);
    }
  });

  test('words in any script count by their bytes: accents, CJK and emoji, across many partitions, alt windows and spool chunks', async () => {
    let seed = 11;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Prefixes of one another and byte-wise neighbours: é (c3 a9) and è (c3 a8), 日 and 日本.
    const vocabulary = ['été', 'ete', 'èté', 'ÉTÉ', '日', '日本', '本', '🐱', '🐱🐱', 'naïve', 'naive', 'a', 'ab', 'b'];
    const input = Array.from({ length: 200 }, () => {
      const n = 1 + Math.floor(random() * 5);
      return Array.from({ length: n }, () => vocabulary[Math.floor(vocabulary.length * random() ** 2)]!).join(' ');
    });
    for (const topK of [3, 12, 30]) {
      const expected = referenceKept(input, topK);
      const split = await keptAlts(input, topK, { tokens: { maxTokensInMemory: 8, altWindow: 7, spoolChunkBytes: 20 } });
      expect(split.kept).toEqual(expected);
      expect(split.sweeps).toBeGreaterThan(3);
    }
  });
});
