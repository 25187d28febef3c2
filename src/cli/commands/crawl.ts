import { loadConfig } from '../../config/load.js';
import { runCrawl } from '../../stages/crawl/index.js';
import { formatSummary } from '../../util/format.js';
import type { CommandDef } from '../command.js';

export const crawlCommand: CommandDef = {
  command: 'crawl',
  describe: 'Fetch pages politely, extract every image with its alt text, download and probe the images',
  lock: true,
  options: (y) =>
    y
      .option('seeds', { type: 'string', array: true, describe: 'Seed URLs (pages or sitemaps)' })
      .option('seeds-file', { type: 'string', describe: 'File of seed URLs, one a line, # comments' })
      .option('max-pages', { type: 'number', describe: 'Stop after this many pages' })
      .option('max-depth', { type: 'number', describe: 'Follow links at most this deep from a seed' })
      .option('per-host-concurrency', { type: 'number', describe: 'Requests in flight to one host (default 2)' })
      .option('concurrency', { type: 'number', describe: 'Requests in flight in all (default 32)' })
      .option('recrawl-after', { type: 'number', describe: 'Refetch pages and images older than this, hours (default 168)' })
      .example('$0 crawl --seeds https://example.com/', 'crawl one site into ./data'),
  async run(args, ctx) {
    const config = loadConfig(args.config, {
      crawl: {
        seeds: args.seeds,
        seedsFile: args.seedsFile,
        maxPages: args.maxPages,
        maxDepth: args.maxDepth,
        perHostConcurrency: args.perHostConcurrency,
        globalConcurrency: args.concurrency,
        recrawlAfterHours: args.recrawlAfter,
      },
    });
    const summary = await runCrawl(config.crawl, ctx);
    return { summary: { ...summary }, text: formatSummary('crawl', { ...summary }) };
  },
};
