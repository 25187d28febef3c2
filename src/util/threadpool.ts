import { availableParallelism } from 'node:os';

/**
 * libuv's thread pool runs every sharp pipeline (and async fs work); its size is fixed when the
 * pool first starts and defaults to 4, so images in flight beyond it only queue: on more than two
 * cores the default would cap `check`'s image scan (two images per core) at 4 cores. Two threads
 * per core, so that window fits. (shard encodes in processes of its own, one image each.)
 */
export function defaultThreadpoolSize(cores: number = availableParallelism()): number {
  return Math.min(1024, Math.max(4, 2 * cores));
}

/** This machine's: what bin/align-data.js gives the CLI (a CommonJS copy of the rule above). */
export const DEFAULT_UV_THREADPOOL_SIZE = defaultThreadpoolSize();

/**
 * Sets UV_THREADPOOL_SIZE unless the user did. Only works before the pool starts (the first async
 * fs, dns, crypto or sharp call): the CLI launcher calls it before it loads anything else.
 */
export function sizeThreadpool(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.UV_THREADPOOL_SIZE) env.UV_THREADPOOL_SIZE = String(DEFAULT_UV_THREADPOOL_SIZE);
}
