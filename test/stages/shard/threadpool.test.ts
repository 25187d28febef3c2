import { availableParallelism } from 'node:os';
import { DEFAULT_UV_THREADPOOL_SIZE, sizeThreadpool, threadpoolSize } from '../../../src/util/threadpool.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { addFixturePairs } from './fixture-store.js';
import { awkwardImagesFixture } from './fixtures.js';

describe('the libuv thread pool that runs sharp', () => {
  test('the launcher sizes it two threads per core (at least libuv\'s 4), and leaves a size the user set', () => {
    expect(DEFAULT_UV_THREADPOOL_SIZE).toBe(Math.max(4, 2 * availableParallelism()));
    const env: NodeJS.ProcessEnv = {};
    sizeThreadpool(env);
    expect(env.UV_THREADPOOL_SIZE).toBe(String(DEFAULT_UV_THREADPOOL_SIZE));
    const set: NodeJS.ProcessEnv = { UV_THREADPOOL_SIZE: '7' };
    sizeThreadpool(set);
    expect(set.UV_THREADPOOL_SIZE).toBe('7');
  });

  test('the size a process runs with: the variable when valid, else libuv\'s 4', () => {
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: '12' })).toBe(12);
    expect(threadpoolSize({})).toBe(4);
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: 'lots' })).toBe(4);
    expect(threadpoolSize({ UV_THREADPOOL_SIZE: '5000' })).toBe(1024);
  });

  describe('shard', () => {
    const tmp = makeTempDir();
    const saved = process.env.UV_THREADPOOL_SIZE;
    afterAll(() => {
      tmp.cleanup();
      if (saved === undefined) delete process.env.UV_THREADPOOL_SIZE;
      else process.env.UV_THREADPOOL_SIZE = saved;
    });

    test('says when more images (default two per core) are in flight than the pool has threads, and still writes every sample', async () => {
      await addFixturePairs(tmp.dir, awkwardImagesFixture().slice(0, 3));
      process.env.UV_THREADPOOL_SIZE = '2';
      const r = await runCli(['shard', '--data-dir', tmp.dir, '--val-fraction', '0', '--concurrency', '3', '--verbose', '--json']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('3 images in flight but UV_THREADPOOL_SIZE is 2');
      expect(JSON.parse(r.stdout)).toMatchObject({ samplesWritten: 3 });
      process.env.UV_THREADPOOL_SIZE = '3';
      const fits = await runCli(['shard', '--data-dir', tmp.dir, '--val-fraction', '0', '--concurrency', '3', '--verbose', '--rebuild']);
      expect(fits.code).toBe(0);
      expect(fits.stderr).not.toContain('UV_THREADPOOL_SIZE');
      // Without --concurrency: two images per core.
      process.env.UV_THREADPOOL_SIZE = '1';
      const byDefault = await runCli(['shard', '--data-dir', tmp.dir, '--val-fraction', '0', '--verbose', '--rebuild']);
      expect(byDefault.code).toBe(0);
      expect(byDefault.stderr).toContain(`${2 * availableParallelism()} images in flight but UV_THREADPOOL_SIZE is 1`);
    });
  });
});
