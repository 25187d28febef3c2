/**
 * The launcher (bin/align-data.js) sizes libuv's thread pool, which runs sharp, before the pool
 * starts: two threads per core, at least 4. Measured on the process itself: a probe loaded
 * before the launcher (`node --require`) pretends the machine has 2 or 8 cores and, at exit,
 * reports UV_THREADPOOL_SIZE and the process's thread count (Linux's /proc). An ES-module
 * launcher sets the variable too, but after its own imports have started the pool at 4 threads:
 * then the thread counts of the two runs would be equal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultThreadpoolSize } from '../../src/util/threadpool.js';
import { ROOT, makeTempDir } from '../helpers/paths.js';

const BIN = join(ROOT, 'bin', 'align-data.js');
const PROBE = `
const os = require('node:os');
const fs = require('node:fs');
os.availableParallelism = () => Number(process.env.PROBE_CORES);
process.on('exit', () => fs.writeSync(2, 'probe ' + process.env.UV_THREADPOOL_SIZE + ' ' + fs.readdirSync('/proc/self/task').length + '\\n'));
`;

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

function launch(cores: number, env: NodeJS.ProcessEnv = {}): { size: string; threads: number } {
  const probe = join(tmp.dir, 'probe.cjs');
  writeFileSync(probe, PROBE);
  const { UV_THREADPOOL_SIZE: _unset, ...base } = process.env;
  const r = spawnSync(process.execPath, ['--require', probe, BIN, '--version'], {
    cwd: ROOT,
    env: { ...base, PROBE_CORES: String(cores), ...env },
    encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  const m = /probe (\S+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no probe line in: ${r.stderr}`);
  return { size: m[1]!, threads: Number(m[2]) };
}

const linux = existsSync('/proc/self/task');
(linux ? describe : describe.skip)('the launcher sizes the thread pool before it starts (needs /proc)', () => {
  test('two threads per core, at least 4: the pool really has them', () => {
    const two = launch(2);
    const eight = launch(8);
    expect(two.size).toBe('4');
    expect(eight.size).toBe('16');
    expect(eight.threads - two.threads).toBe(16 - 4);
  });

  test('the same rule as the library (the bench and shard\'s message use that one)', () => {
    for (const cores of [1, 3, 600]) expect(launch(cores).size).toBe(String(defaultThreadpoolSize(cores)));
  });

  test('a size the user set is kept', () => {
    const r = launch(8, { UV_THREADPOOL_SIZE: '6' });
    expect(r.size).toBe('6');
    expect(r.threads - launch(2).threads).toBe(6 - 4);
  });
});
