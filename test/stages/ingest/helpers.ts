import type { ConfigInput } from '../../../src/config/schema.js';
import { validateConfig } from '../../../src/config/load.js';
import { ingestFlow, type IngestFlowSummary } from '../../../src/flows/ingest.js';
import { makeContext } from '../../../src/util/context.js';
import { query } from '../crawl/crawl-helpers.js';

/** Ingest into a data dir with short fetch timeouts; `ingest` and `crawl` overrides as in the config file. */
export async function ingest(dataDir: string, config: ConfigInput, signal?: AbortSignal): Promise<IngestFlowSummary> {
  const full = validateConfig({
    ...config,
    crawl: { connectTimeoutMs: 2000, headersTimeoutMs: 2000, requestDeadlineMs: 3000, retries: 0, ...config.crawl },
  });
  return ingestFlow(full, makeContext(dataDir, signal ? { signal } : {}));
}

/** The crawl tests' read-only store query: one helper for both. */
export { query };

/** Every pair as `page | image | alt`, sorted: what a store holds, independent of insert order. */
export function pairTriples(dataDir: string): string[] {
  return query<{ t: string }>(
    dataDir,
    `SELECT g.url || ' | ' || i.url || ' | ' || p.alt_raw AS t FROM pairs p JOIN images i ON i.id = p.image_id JOIN pages g ON g.id = p.page_id`,
  )
    .map((r) => r.t)
    .sort();
}
