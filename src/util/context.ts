import { Logger, silentLogger } from './log.js';

/**
 * What every stage gets besides its options: where the data lives, where to log, and the
 * signal that Ctrl-C aborts. Stages are callable from tests with `makeContext(dir)`.
 */
export interface StageContext {
  /** The data directory (align.db, images/, shards/). */
  dataDir: string;
  log: Logger;
  /** Aborted on Ctrl-C: stop taking new work, abort in-flight requests, leave the store consistent. */
  signal: AbortSignal;
}

export function makeContext(dataDir: string, overrides: Partial<StageContext> = {}): StageContext {
  return {
    dataDir,
    log: overrides.log ?? silentLogger(),
    signal: overrides.signal ?? new AbortController().signal,
  };
}
