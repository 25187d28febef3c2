/** `align-data filter` through the CLI: flags reach the stage, --json prints the summary. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { corpusDir, makeTempDir } from '../../helpers/paths.js';
import { readDecisions, StoreBuilder } from './make-store.js';
import { runCli } from '../../helpers/cli.js';

describe('align-data filter', () => {
  const tmp = makeTempDir('align-filter-cli-');
  afterAll(() => tmp.cleanup());

  test('--eval-images and --json: the summary says what was removed and why', async () => {
    const garden = readFileSync(join(corpusDir(), 'images', 'Garden.jpg'));
    const evalDir = join(tmp.dir, 'eval');
    mkdirSync(evalDir);
    writeFileSync(join(evalDir, 'copy.webp'), await sharp(garden).resize({ width: 500 }).webp({ quality: 60 }).toBuffer());
    const dataDir = join(tmp.dir, 'data');
    const s = new StoreBuilder(dataDir);
    const removed = s.simplePair('a garden in full bloom', { bytes: garden, width: 2560, height: 1600 });
    const kept = s.simplePair('a blue car by the road');
    s.close();

    const r = await runCli(['filter', '--data-dir', dataDir, '--eval-images', evalDir, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ pairs: 2, kept: 1, rejected: 1 });
    expect(summary.filters['eval-dedup']).toEqual({ active: true, first: 1, any: 1 });
    const d = readDecisions(dataDir);
    expect(d.get(removed)!.reason).toBe('eval-dedup');
    expect(d.get(kept)!.kept).toBe(1);

    const text = await runCli(['filter', '--data-dir', dataDir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/decisions changed\s+1\b/); // eval dedup is off without the flag
    expect(text.stdout).toMatch(/eval-dedup\s+off/);
  });

  test('a data directory without a store is E_NO_DATA (exit 1), and none is created', async () => {
    const r = await runCli(['filter', '--data-dir', join(tmp.dir, 'empty')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_NO_DATA');
    expect(existsSync(join(tmp.dir, 'empty', 'align.db'))).toBe(false);
  });

  test('a bad config value exits 2 before any work', async () => {
    const configPath = join(tmp.dir, 'bad.json');
    writeFileSync(configPath, JSON.stringify({ filter: { imageSize: { minSidePx: -1 } } }));
    const r = await runCli(['filter', '--config', configPath, '--data-dir', join(tmp.dir, 'untouched')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('filter.imageSize.minSidePx');
  });
});
