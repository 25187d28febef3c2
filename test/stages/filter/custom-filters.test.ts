/**
 * User filters: the shipped example (SQL), a JS one dropped into a filters/ folder and named, and
 * the errors: a bad option exits 2 naming it, a missing module, SQL that does not compile, a throw.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FilterConfigSchema } from '../../../src/config/filter.js';
import { AlignError } from '../../../src/errors.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir, ROOT } from '../../helpers/paths.js';
import { readDecisions, StoreBuilder } from './make-store.js';
import { runCli } from '../../helpers/cli.js';

describe('user filters', () => {
  const tmp = makeTempDir('align-custom-');
  afterAll(() => tmp.cleanup());
  let dir = 0;

  /** A store with a short and a long alt, and a config folder holding `files`. */
  function setup(files: Record<string, string> = {}): { dataDir: string; configDir: string; short: number; long: number; digits: number } {
    const base = join(tmp.dir, `case-${++dir}`);
    const configDir = join(base, 'config');
    mkdirSync(join(configDir, 'filters'), { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(configDir, name), text);
    const s = new StoreBuilder(join(base, 'data'));
    const ids = { short: s.simplePair('a red car'), long: s.simplePair('a red car parked by the river'), digits: s.simplePair('photo 1234 of the album') };
    s.close();
    return { dataDir: join(base, 'data'), configDir, ...ids };
  }

  test('the shipped example (examples/filters/min-alt-chars.js) loads, validates its options and rejects short alts', async () => {
    const t = setup();
    const config = FilterConfigSchema.parse({ custom: [{ module: './examples/filters/min-alt-chars.js', options: { min: 12 } }] });
    const summary = await runFilter(config, makeContext(t.dataDir), { baseDir: ROOT });
    const d = readDecisions(t.dataDir);
    expect(d.get(t.short)).toMatchObject({ kept: 0, reason: 'min-alt-chars' });
    expect(d.get(t.long)!.kept).toBe(1);
    expect(summary.filters['min-alt-chars']).toEqual({ active: true, first: 1, any: 1 });
  });

  test('a JS filter dropped into filters/ beside the config is found by its bare name, after the built-in ones', async () => {
    const t = setup({
      'filters/no-digits.js': `export default {
        name: 'no-digits',
        describe: 'the alt has no digit',
        keep: (pair) => !/[0-9]/.test(pair.altNorm),
        fields: ['altNorm'],
      };`,
    });
    const config = FilterConfigSchema.parse({ custom: [{ module: 'no-digits' }], wordCount: { min: 4 } });
    await runFilter(config, makeContext(t.dataDir), { baseDir: t.configDir });
    const d = readDecisions(t.dataDir);
    expect(d.get(t.digits)).toMatchObject({ kept: 0, reason: 'no-digits' });
    // Built-in filters come first: 'a red car' (3 words) fails word-count before anything else.
    expect(d.get(t.short)).toMatchObject({ kept: 0, reason: 'word-count', reasons: 'word-count' });
    expect(d.get(t.long)!.kept).toBe(1);
  });

  test('a bad filter option exits 2 naming it (filter.custom[0].options.min)', async () => {
    const t = setup();
    const configPath = join(t.configDir, 'align.json');
    writeFileSync(configPath, JSON.stringify({ filter: { custom: [{ module: join(ROOT, 'examples/filters/min-alt-chars.js'), options: { min: 0 } }] } }));
    const r = await runCli(['filter', '--config', configPath, '--data-dir', t.dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('filter.custom[0].options.min');
    expect(r.stderr).toContain('got `0`');
    expect(readDecisions(t.dataDir).size).toBe(0);
  });

  test('an unknown option key is named too', async () => {
    const t = setup();
    const config = FilterConfigSchema.parse({ custom: [{ module: join(ROOT, 'examples/filters/min-alt-chars.js'), options: { minimum: 3 } }] });
    await expect(runFilter(config, makeContext(t.dataDir))).rejects.toThrow(/filter\.custom\[0\]\.options.*minimum/);
  });

  test('a module that is not there, or exports no filter, is a config error naming filter.custom[i].module', async () => {
    const t = setup({ 'filters/empty.js': 'export const nothing = 1;\n' });
    for (const module of ['no-such-filter', 'empty']) {
      const config = FilterConfigSchema.parse({ custom: [{ module }] });
      const err = await runFilter(config, makeContext(t.dataDir), { baseDir: t.configDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AlignError);
      expect(err).toMatchObject({ code: 'E_CONFIG', exitCode: 2 });
      expect((err as Error).message).toContain('filter.custom[0].module');
    }
  });

  test('SQL that does not compile is a config error; a throwing keep stops the run naming the filter', async () => {
    const t = setup({
      'filters/bad-sql.js': `export default { name: 'bad-sql', describe: 'x', where: () => 'no_such_column > 1' };`,
      'filters/throws.js': `export default { name: 'throws', describe: 'x', keep: () => { throw new Error('boom'); } };`,
    });
    const bad = FilterConfigSchema.parse({ custom: [{ module: 'bad-sql' }] });
    await expect(runFilter(bad, makeContext(t.dataDir), { baseDir: t.configDir })).rejects.toMatchObject({ code: 'E_CONFIG' });
    const throws = FilterConfigSchema.parse({ custom: [{ module: 'throws' }] });
    await expect(runFilter(throws, makeContext(t.dataDir), { baseDir: t.configDir })).rejects.toThrow(/filter `throws` failed on pair \d+: boom/);
    expect(readDecisions(t.dataDir).size).toBe(0);
  });
});
