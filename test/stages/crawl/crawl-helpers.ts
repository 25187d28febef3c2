import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { CrawlConfig } from '../../../src/config/crawl.js';
import { loadConfig } from '../../../src/config/load.js';
import { runCrawl, type CrawlSummary } from '../../../src/stages/crawl/index.js';
import { makeContext } from '../../../src/util/context.js';

/**
 * Shared by the crawl tests: a config with short timeouts (so a test of a slow server takes
 * a second, not a minute), a run in a data directory, and read-only looks at the store.
 */
export function testConfig(overrides: Partial<CrawlConfig> = {}): CrawlConfig {
  const base = loadConfig(undefined, {
    crawl: {
      connectTimeoutMs: 2000,
      headersTimeoutMs: 2000,
      requestDeadlineMs: 3000,
      retries: 0,
      retryBaseDelayMs: 50,
      defaultRetryAfterSeconds: 1,
    },
  }).crawl;
  return { ...base, ...overrides };
}

export async function crawl(dataDir: string, overrides: Partial<CrawlConfig> = {}, signal?: AbortSignal): Promise<CrawlSummary> {
  return runCrawl(testConfig(overrides), makeContext(dataDir, signal ? { signal } : {}));
}

/** Runs a query against the store of a data directory (read-only, closed at once). */
export function query<T = Record<string, unknown>>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dataDir, 'align.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** `status error` of each page row by URL path, e.g. `{ '/a': 'done', '/b': 'failed http_404' }`. */
export function pageStates(dataDir: string): Record<string, string> {
  return states(query<{ url: string; status: string; error: string | null }>(dataDir, 'SELECT url, status, error FROM pages'));
}

export function imageStates(dataDir: string): Record<string, string> {
  return states(query<{ url: string; status: string; error: string | null }>(dataDir, 'SELECT url, status, error FROM images'));
}

function states(rows: { url: string; status: string; error: string | null }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows) {
    const u = new URL(r.url);
    out[u.pathname + u.search] = r.error ? `${r.status} ${r.error}` : r.status;
  }
  return out;
}

/** Requests a test server saw for a path. */
export function hits(log: { path: string }[], path: string): number {
  return log.filter((r) => r.path === path).length;
}
