/**
 * The rare-token count has limits (partitions of the token space); passing one stops the run with
 * a code and a hint, not as a bug, and no decision is written.
 */
import { FilterConfigSchema } from '../../../src/config/filter.js';
import { AlignError } from '../../../src/errors.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { readDecisions, StoreBuilder } from './make-store.js';

test('more distinct tokens than the partitions can hold: an AlignError with a hint, and no decisions', async () => {
  const tmp = makeTempDir('align-token-limit-');
  try {
    const s = new StoreBuilder(tmp.dir);
    for (const alt of ['a red brick house', 'a blue wooden boat', 'green hills at dawn']) s.simplePair(alt);
    s.close();
    const config = FilterConfigSchema.parse({ rareTokens: { topK: 5 } });
    // No token fits in memory: every split halves the space until the partition limit is passed.
    const run = runFilter(config, makeContext(tmp.dir), { tokens: { maxTokensInMemory: 0 } });
    await expect(run).rejects.toBeInstanceOf(AlignError);
    await expect(run).rejects.toMatchObject({ code: 'E_RUNTIME', hint: expect.stringMatching(/maxTokensInMemory/) });
    expect(readDecisions(tmp.dir).size).toBe(0);
  } finally {
    tmp.cleanup();
  }
});
