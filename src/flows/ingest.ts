import { runCrawl, type CrawlSummary } from '../stages/crawl/index.js';
import { runIngest, type IngestStageConfig, type IngestSummary } from '../stages/ingest/index.js';
import type { StageContext } from '../util/context.js';
import type { Partition } from '../util/partition.js';

/**
 * `align-data ingest`: read the inputs into the store, then download the queued images with the
 * crawl stage's own scheduler, restricted to images (robots.txt of each image host, per-host
 * concurrency and Crawl-delay, 429/503 backoff, X-Robots-Tag noai, size and pixel caps,
 * content-addressed storage, failures as data: exactly the crawler's). The download claims the
 * store's queued images host by host, so a killed download resumes like a crawl.
 */
export interface IngestFlowSummary {
  ingest: IngestSummary;
  /** Null with --no-download (or when reading was interrupted). */
  download: CrawlSummary | null;
}

/** A partitioned ingest keeps and downloads only the rows whose image host it owns. */
export async function ingestFlow(config: IngestStageConfig, ctx: StageContext, partition: Partition | null = null): Promise<IngestFlowSummary> {
  const ingest = await runIngest(config, ctx, partition);
  if (!config.ingest.download || ctx.signal.aborted) return { ingest, download: null };
  // Sitemaps of image hosts are no business of a download: only images are claimed.
  const download = await runCrawl({ ...config.crawl, followSitemaps: false, downloadImages: true }, ctx, { imagesOnly: true, partition });
  return { ingest, download };
}
