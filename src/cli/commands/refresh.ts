import { dirname, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { usageError } from '../../errors.js';
import type { CommandDef } from '../command.js';
import { numberFlag } from '../flags.js';

export const refreshCommand: CommandDef = {
  command: 'refresh',
  describe: 'The cron job: crawl what is new or stale, filter, shard, and withdraw what its source withdrew, within a time budget',
  lock: true,
  options: (y) =>
    y
      .option('seeds', { type: 'string', array: true, describe: 'Seed URLs; remembered, so later runs need none (a new list replaces them)' })
      .option('seeds-file', { type: 'string', describe: 'File of seed URLs, one a line, # comments (remembered too)' })
      .option('recrawl-after', { type: 'number', describe: 'Refetch pages and images older than this, hours (default 168)' })
      .option('max-minutes', { type: 'number', describe: 'Time budget of the whole run; the crawl leaves filter and shard their share (default: none)' })
      .option('check', { type: 'boolean', default: false, describe: 'Run the quality gates after the run; exit 3 when one fails' })
      .conflicts('seeds', 'seeds-file')
      .example('$0 refresh --seeds https://example.com/ --max-minutes 50', 'first run: remember the seeds, stop within 50 minutes')
      .example('$0 refresh --max-minutes 50 --json', 'later runs (cron): the remembered seeds, the deltas as JSON'),
  async run(args, ctx) {
    // Stages load on demand, so --help and other commands start fast (tfjs, sharp, undici are heavy).
    const { checkSeed, readSeedsFile } = await import('../../stages/crawl/seeds.js');
    const { runRefresh, formatRefreshSummary } = await import('../../flows/refresh.js');
    const seeds = ((args.seeds as string[] | undefined) ?? []).map((s) => checkSeed(String(s), '--seeds'));
    if (typeof args.seedsFile === 'string') readSeedsFile(args.seedsFile); // a bad line exits 2 before any work
    const maxMinutes = numberFlag(args, 'maxMinutes', '--max-minutes');
    if (maxMinutes === 0) throw usageError('--max-minutes: expected a number > 0, got `0`');
    const config = loadConfig(args.config, {
      crawl: { seeds: seeds.length > 0 ? seeds : undefined, seedsFile: args.seedsFile, recrawlAfterHours: numberFlag(args, 'recrawlAfter', '--recrawl-after') },
      refresh: { maxMinutes },
    });
    const baseDir = args.config ? dirname(resolve(args.config)) : process.cwd();
    const { summary, exitCode } = await runRefresh(config, ctx, { baseDir, runCheck: args.check === true });
    return { summary: { ...summary }, text: formatRefreshSummary(summary), exitCode };
  },
};
