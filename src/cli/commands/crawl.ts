import { loadConfig } from '../../config/load.js';
import { formatSummary } from '../../util/format.js';
import type { CommandDef } from '../command.js';
import { resolvePartition } from '../../util/partition.js';
import { intFlag, numberFlag, partitionOptions } from '../flags.js';

export const crawlCommand: CommandDef = {
  command: 'crawl',
  describe: 'Fetch pages politely, extract every image with its alt text, download and probe the images',
  lock: true,
  options: (y) =>
    y
      .option('seeds', { type: 'string', array: true, describe: 'Seed URLs (pages or sitemaps)' })
      .option('seeds-file', { type: 'string', describe: 'File of seed URLs, one a line, # comments' })
      .option('max-pages', { type: 'number', describe: 'Stop after this many pages (a resumed run counts what it fetched before)' })
      .option('max-depth', { type: 'number', describe: 'Follow links at most this deep from a seed (default 5)' })
      .option('per-host-concurrency', { type: 'number', describe: 'Requests in flight to one host (default 2)' })
      .option('concurrency', { type: 'number', describe: 'Requests in flight in all (default 32)' })
      .options(partitionOptions('Crawl only the hosts of partition I/N'))
      .option('recrawl-after', { type: 'number', describe: 'Refetch pages and images older than this, hours (default 168)' })
      .example('$0 crawl --seeds https://example.com/', 'crawl one site into ./data')
      .example('$0 crawl --seeds-file seeds.txt --max-pages 1000 --json', 'crawl a list of sites, print the summary as JSON'),
  async run(args, ctx) {
    // Stages load on demand, so --help and other commands start fast (tfjs, sharp, undici are heavy).
    const { checkSeed, readSeedsFile } = await import('../../stages/crawl/seeds.js');
    const { runCrawl } = await import('../../stages/crawl/index.js');
    const partition = resolvePartition(args.partition, args.partitions);
    const seeds = ((args.seeds as string[] | undefined) ?? []).map((s) => checkSeed(String(s), '--seeds'));
    if (typeof args.seedsFile === 'string') readSeedsFile(args.seedsFile); // a bad line exits 2 before any work
    const config = loadConfig(args.config, {
      crawl: {
        seeds: seeds.length > 0 ? seeds : undefined,
        seedsFile: args.seedsFile,
        maxPages: intFlag(args, 'maxPages', '--max-pages', 1),
        maxDepth: intFlag(args, 'maxDepth', '--max-depth', 0),
        perHostConcurrency: intFlag(args, 'perHostConcurrency', '--per-host-concurrency', 1),
        globalConcurrency: intFlag(args, 'concurrency', '--concurrency', 1),
        recrawlAfterHours: numberFlag(args, 'recrawlAfter', '--recrawl-after'),
      },
    });
    const summary = await runCrawl(config.crawl, ctx, { partition });
    return { summary: { ...summary }, text: formatSummary('crawl', { ...summary }) };
  },
};
