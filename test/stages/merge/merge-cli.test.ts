/**
 * `align-data merge`: a bad set of dirs exits 2 before any work and names the problem; a
 * real merge prints its counts with --json.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';

describe('merge', () => {
  const tmp = makeTempDir('align-merge-cli-');
  const part = (name: string, spec: string) =>
    // A seed that refuses connections: the partition records the failure and finishes at once.
    runCli(['crawl', '--data-dir', join(tmp.dir, name), '--seeds', 'http://127.0.0.2:9/', '--partition', spec, '--json']);
  beforeAll(async () => {
    for (const [name, spec] of [['a0', '0/2'], ['a1', '1/2'], ['b0', '0/3'], ['c1', '1/2']] as const) expect((await part(name, spec)).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  test.each([
    [['merge', 'x'], '--into'],
    [['merge', '--into', 'M'], 'give the partition data dirs'],
    [['merge', '--into', 'M', 'nowhere'], 'has no store'],
    [['merge', '--into', 'M', 'a0', 'b0'], 'one of 3 partitions'],
    [['merge', '--into', 'M', 'a1', 'c1'], 'both partition 1/2'],
    [['merge', '--into', 'a0', 'a0'], 'also --into'],
  ])('%j exits 2: %s', async (argv, message) => {
    const args = argv.map((a) => (a === 'merge' || a.startsWith('--') ? a : join(tmp.dir, a)));
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(existsSync(join(tmp.dir, 'M', 'align.db'))).toBe(false);
  });

  test('--json prints the counts; merging again adds nothing', async () => {
    const r = await runCli(['merge', '--into', join(tmp.dir, 'M'), join(tmp.dir, 'a0'), join(tmp.dir, 'a1'), '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ partitions: 2, missingPartitions: [], added: { pages: 1, images: 0, pairs: 0, blobs: 0 }, handedOver: 0 });
    const again = JSON.parse((await runCli(['merge', '--into', join(tmp.dir, 'M'), join(tmp.dir, 'a0'), join(tmp.dir, 'a1'), '--json'])).stdout);
    expect(again.added).toEqual({ pages: 0, images: 0, pairs: 0, blobs: 0 });
    expect(again.done).toBe(true);
  });
});
