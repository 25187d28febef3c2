/**
 * crawl: seeds → pages, image URLs, image blobs and pairs in the store.
 * (To be written: see issue 2.)
 */
import type { CrawlConfig } from '../../config/crawl.js';
import type { StageContext } from '../../util/context.js';

export interface CrawlSummary {
  pagesFetched: number;
}

export async function runCrawl(_config: CrawlConfig, _ctx: StageContext): Promise<CrawlSummary> {
  throw new Error('not implemented yet');
}
