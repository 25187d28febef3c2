import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/paths.js';

describe('cli', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  test('an unknown flag exits 2 naming it', async () => {
    const r = await runCli(['crawl', '--bogus-flag', '--data-dir', tmp.dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error E_USAGE: Unknown argument: bogus-flag/);
  });

  test('an unknown command exits 2', async () => {
    const r = await runCli(['crawwl']);
    expect(r.code).toBe(2);
  });

  test.each([
    [['stats', '--top', '-1'], '--top: expected an integer >= 0'],
    [['demo', '--photos', '3'], '--photos: expected an integer from 10 to 5000'],
    [['demo', '--train-seconds', '-5'], '--train-seconds: expected a number >= 0'],
    [['crawl', '--max-pages', '0', '--seeds', 'http://127.0.0.1:9/'], '--max-pages: expected an integer >= 1'],
  ])('a bad numeric flag exits 2 naming it: %j', async (argv, message) => {
    const dataDir = join(tmp.dir, 'flags');
    const r = await runCli([...argv, '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('a bad config exits 2 before any work, naming the key', async () => {
    const path = join(tmp.dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ crawl: { globalConcurrency: 'many' } }));
    const dataDir = join(tmp.dir, 'data');
    const r = await runCli(['crawl', '--config', path, '--data-dir', dataDir, '--seeds', 'http://127.0.0.1:9/']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('crawl.globalConcurrency');
    expect(r.stderr).toContain('"many"');
  });
});
