/**
 * Runs are recorded and idempotent: the same config and data change no decision (not even its
 * run id); a changed threshold changes exactly the decisions it should; new pairs get decided.
 */
import { FilterConfigSchema } from '../../../src/config/filter.js';
import { openStore } from '../../../src/store/db.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { readDecisions, StoreBuilder } from './make-store.js';

describe('re-running filter', () => {
  const tmp = makeTempDir('align-rerun-');
  afterAll(() => tmp.cleanup());

  test('same config: nothing changes; a new threshold updates the decisions; every run is recorded', async () => {
    const s = new StoreBuilder(tmp.dir);
    const sizes = [150, 199, 250, 300, 640];
    const ids = sizes.map((side, i) => s.simplePair(`a picture of item ${i}`, { width: side, height: side }));
    s.close();
    const ctx = makeContext(tmp.dir);
    const defaults = FilterConfigSchema.parse({});

    const first = await runFilter(defaults, ctx);
    const before = readDecisions(tmp.dir);
    expect(first.changed).toBe(sizes.length);
    expect([...before.values()].map((d) => d.kept)).toEqual([0, 0, 1, 1, 1]);

    const second = await runFilter(defaults, ctx);
    expect(second.changed).toBe(0);
    expect(second.configHash).toBe(first.configHash);
    expect(readDecisions(tmp.dir)).toEqual(before); // run ids included: no row was rewritten

    const lower = FilterConfigSchema.parse({ imageSize: { minSidePx: 160 } });
    const third = await runFilter(lower, ctx);
    expect(third.configHash).not.toBe(first.configHash);
    expect(third.changed).toBe(1); // only the 199 px image flips
    const after = readDecisions(tmp.dir);
    expect(after.get(ids[1]!)).toMatchObject({ kept: 1, run_id: third.runId });
    expect(after.get(ids[0]!)).toEqual(before.get(ids[0]!));

    const db = openStore(tmp.dir);
    const runs = db.prepare('SELECT id, config_hash, finished_at, counts FROM filter_runs ORDER BY id').all() as {
      id: number;
      config_hash: string;
      finished_at: number | null;
      counts: string;
    }[];
    db.close();
    expect(runs.map((r) => r.id)).toEqual([first.runId, second.runId, third.runId]);
    expect(runs.map((r) => r.config_hash)).toEqual([first.configHash, first.configHash, third.configHash]);
    expect(runs.every((r) => r.finished_at !== null)).toBe(true);
    expect(JSON.parse(runs[2]!.counts)).toMatchObject({ kept: 4, changed: 1 });
  });

  test('pairs found after a run are decided by the next one; counts and copies take them in', async () => {
    const dir = makeTempDir('align-rerun2-');
    try {
      const s = new StoreBuilder(dir.dir);
      const img = s.image();
      const first = s.pair(s.page(), img, 'a lighthouse at dusk by the sea');
      await runFilter(FilterConfigSchema.parse({}), makeContext(dir.dir));
      // Ten more images under the same alt: 11 images now share it.
      for (let i = 0; i < 10; i++) s.simplePair('a lighthouse at dusk by the sea');
      const copy = s.pair(s.page(), img, 'a lighthouse at dusk by the sea');
      s.close();
      const summary = await runFilter(FilterConfigSchema.parse({}), makeContext(dir.dir));
      const d = readDecisions(dir.dir);
      expect(d.get(first)).toMatchObject({ kept: 0, reason: 'images-per-alt' });
      expect(d.get(copy)).toMatchObject({ kept: 0, reason: 'images-per-alt', reasons: 'images-per-alt' });
      expect(summary.changed).toBe(12);
    } finally {
      dir.cleanup();
    }
  });
});
