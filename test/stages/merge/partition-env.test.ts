/**
 * Where I/N comes from (flag, Slurm, Kubernetes), the host hash every stage shares, and bad
 * values stopping before any work (exit 2, no store written).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hostPartition, resolvePartition } from '../../../src/util/partition.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';

describe('resolvePartition', () => {
  test('the flag wins; else Slurm; else Kubernetes with --partitions or ALIGN_DATA_PARTITIONS', () => {
    const slurm = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3' };
    expect(resolvePartition('1/4', undefined, slurm)).toEqual({ index: 1, count: 4, source: 'flag' });
    expect(resolvePartition(undefined, undefined, slurm)).toEqual({ index: 2, count: 3, source: 'slurm' });
    expect(resolvePartition(undefined, 5, { JOB_COMPLETION_INDEX: '4' })).toEqual({ index: 4, count: 5, source: 'kubernetes' });
    expect(resolvePartition(undefined, undefined, { JOB_COMPLETION_INDEX: '0', ALIGN_DATA_PARTITIONS: '8' })).toEqual({ index: 0, count: 8, source: 'kubernetes' });
    expect(resolvePartition(undefined, undefined, {})).toBeNull();
    // One index submitted again on its own is an array of one: the given count wins.
    const rerun = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '1' };
    expect(resolvePartition(undefined, undefined, { ...rerun, ALIGN_DATA_PARTITIONS: '3' })).toEqual({ index: 2, count: 3, source: 'slurm' });
    expect(resolvePartition(undefined, 3, rerun)).toEqual({ index: 2, count: 3, source: 'slurm' });
    expect(() => resolvePartition(undefined, undefined, rerun)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  test.each([
    ['3/3', {}], ['0/0', {}], ['a/b', {}], ['1/2/3', {}], ['-1/2', {}], ['1', {}],
    [undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '3' }],
    [undefined, { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '3' }],
    [undefined, { SLURM_ARRAY_TASK_ID: '1' }],
    [undefined, { JOB_COMPLETION_INDEX: '1' }],
    [undefined, { JOB_COMPLETION_INDEX: '1', ALIGN_DATA_PARTITIONS: '1' }],
  ])('%s with %j is a usage error', (flag, env) => {
    expect(() => resolvePartition(flag, undefined, env)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  test('hosts spread over the partitions by a stable, case-blind hash', () => {
    const hosts = Array.from({ length: 400 }, (_, i) => `site-${i}.example`);
    const per = [0, 0, 0, 0];
    for (const h of hosts) per[hostPartition(h, 4)]! += 1;
    for (const n of per) expect(n).toBeGreaterThan(60);
    expect(hostPartition('Example.COM', 7)).toBe(hostPartition('example.com', 7));
    expect(hostPartition('example.com', 1)).toBe(0);
  });
});

describe('crawl --partition: bad values exit 2 before any work', () => {
  const tmp = makeTempDir('align-partition-cli-');
  afterAll(() => tmp.cleanup());

  test.each([['3/3'], ['x/2'], ['1/0']])('--partition %s', async (spec) => {
    const dataDir = join(tmp.dir, `bad-${spec.replace(/\//g, '-')}`);
    const r = await runCli(['crawl', '--data-dir', dataDir, '--seeds', 'http://127.0.0.2:9/', '--partition', spec]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--partition');
    expect(existsSync(join(dataDir, 'align.db'))).toBe(false);
  });

  test('a data dir of one partition refuses another I/N, and no partition at all', async () => {
    const dataDir = join(tmp.dir, 'part');
    // A seed that refuses connections: the run records the failure and finishes.
    const first = await runCli(['crawl', '--data-dir', dataDir, '--seeds', 'http://127.0.0.2:9/', '--partition', '0/1', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).partition).toEqual({ index: 0, count: 1, source: 'flag' });
    const other = await runCli(['crawl', '--data-dir', dataDir, '--seeds', 'http://127.0.0.2:9/', '--partition', '1/2']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds partition 0/1');
    const none = await runCli(['crawl', '--data-dir', dataDir, '--seeds', 'http://127.0.0.2:9/']);
    expect(none.code).toBe(2);
  });
});
