/**
 * The source copy of a sample found on several pages does not depend on the order its pairs were
 * recorded in (a merge numbers pairs partition by partition, one machine as it finds them): the
 * same pairs inserted in two orders give the same decisions, copy by copy, and the same kept set.
 * The copies differ in a page-level reason (an opted-out page), so which copy is the source
 * decides whether the sample is kept at all.
 */
import { FilterConfigSchema } from '../../../src/config/filter.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { openStore } from '../../../src/store/db.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { StoreBuilder } from './make-store.js';

interface Copy {
  page: string;
  optOut: string | null;
  image: string;
  sha: string;
  alt: string;
}

/** Three samples, each found on three pages; in each, one copy's page opted out. */
function copies(): Copy[] {
  const out: Copy[] = [];
  const samples = [
    { sha: 'a'.repeat(64), alt: 'a lighthouse on the rocks at dawn', optedOut: 'p1' },
    { sha: 'b'.repeat(64), alt: 'a harbour full of small boats', optedOut: 'p2' },
    { sha: 'c'.repeat(64), alt: 'a fox crossing a snowy field', optedOut: 'p3' },
  ];
  for (const [n, s] of samples.entries()) {
    for (const page of ['p1', 'p2', 'p3']) {
      out.push({
        page: `http://host${n}.example/${page}.html`,
        optOut: page === s.optedOut ? 'noai' : null,
        image: `http://img.example/${n}/${page}.jpg`,
        sha: s.sha,
        // A case variant is the same sample (same counting key).
        alt: page === 'p3' ? s.alt.toUpperCase() : s.alt,
      });
    }
  }
  return out;
}

/** `page image alt → kept|reason` for every pair of the store built from `rows` in this order. */
async function decide(rows: Copy[]): Promise<{ decisions: string[]; kept: number }> {
  const tmp = makeTempDir('align-copy-order-');
  try {
    const b = new StoreBuilder(tmp.dir);
    for (const r of rows) b.pair(b.page({ url: r.page, optOut: r.optOut }), b.image({ url: r.image, sha: r.sha }), r.alt);
    b.close();
    const summary = await runFilter(FilterConfigSchema.parse({}), makeContext(tmp.dir));
    const db = openStore(tmp.dir);
    try {
      const decisions = (db.prepare(`SELECT g.url || ' ' || i.url || ' ' || p.alt_norm || ' → ' || coalesce(d.reason, 'kept') AS k
        FROM decisions d JOIN pairs p ON p.id = d.pair_id JOIN pages g ON g.id = p.page_id JOIN images i ON i.id = p.image_id`)
        .pluck().all() as string[]).sort();
      return { decisions, kept: summary.kept };
    } finally {
      db.close();
    }
  } finally {
    tmp.cleanup();
  }
}

describe('filter: the source copy of a duplicated sample', () => {
  test('the same pairs in two insertion orders give the same decisions and kept set', async () => {
    const rows = copies();
    const forward = await decide(rows);
    const backward = await decide([...rows].reverse());
    // Interleaved: every third row first, as partitions would number them.
    const interleaved = await decide([0, 1, 2].flatMap((k) => rows.filter((_, i) => i % 3 === k).reverse()));
    expect(backward).toEqual(forward);
    expect(interleaved).toEqual(forward);
    // The source is the first copy in URL order (p1): where p1 opted out, no copy is kept (DESIGN:
    // copies that pass every filter are duplicates of the source); elsewhere p1 is kept.
    expect(forward.kept).toBe(2);
    expect(forward.decisions.filter((d) => d.endsWith('→ kept'))).toEqual([
      'http://host1.example/p1.html http://img.example/1/p1.jpg a harbour full of small boats → kept',
      'http://host2.example/p1.html http://img.example/2/p1.jpg a fox crossing a snowy field → kept',
    ]);
    expect(forward.decisions.filter((d) => d.endsWith('→ opt-out'))).toHaveLength(3);
    expect(forward.decisions.filter((d) => d.endsWith('→ duplicate'))).toHaveLength(4);
  });
});
