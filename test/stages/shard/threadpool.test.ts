import { availableParallelism } from 'node:os';
import { DEFAULT_UV_THREADPOOL_SIZE, sizeThreadpool } from '../../../src/util/threadpool.js';

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
});
