/**
 * ALIGN: drop alt texts holding a token outside the K most frequent unigrams and bigrams of the
 * raw dataset. `token_rank` is, for the alt's rarest token, the number of distinct tokens strictly
 * more frequent; so tokens tied at the K-th place are kept.
 */
import type { Filter, OptionsOf, Zod } from './api.js';

const options = (z: Zod) =>
  z.strictObject({
    /** Apply this filter. @default true */
    enabled: z.boolean().default(true),
    /** Kept tokens: the K most frequent unigrams and bigrams (ties at the K-th place kept). @default 100000000 */
    topK: z.int().positive().default(100_000_000),
  });

export const rareTokens: Filter<OptionsOf<typeof options>> = {
  name: 'rare-tokens',
  describe: 'every unigram and bigram of the alt is among the topK most frequent of the raw dataset',
  options,
  // With no more than K distinct tokens in the whole dataset no token can rank beyond K: skip the count.
  active: (o, facts) => o.enabled && facts.maxDistinctTokens > o.topK,
  where: (o) => ({ sql: 'token_rank < :topK', params: { topK: o.topK } }),
};
