import { loadConfig } from '../../config/load.js';
import type { CommandDef } from '../command.js';
import { intFlag } from '../flags.js';

export const statsCommand: CommandDef = {
  command: 'stats',
  describe: 'Dataset statistics: pairs, images, pages, kept, rejections per filter, histograms, top hosts',
  lock: false,
  options: (y) =>
    y
      .option('top', { type: 'number', default: 10, describe: 'How many hosts to list' })
      .option('html', { type: 'string', describe: 'Also write the HTML report (the same page as `report --out FILE`) to this file' })
      .example('$0 stats', 'tables on the terminal')
      .example('$0 stats --json', 'the same as one JSON object'),
  async run(args, ctx) {
    // Stages load on demand, so --help and other commands start fast (tfjs, sharp, undici are heavy).
    const { collectStats, formatStats } = await import('../../stages/filter/stats.js');
    const config = loadConfig(args.config);
    const topHosts = intFlag(args, 'top', '--top', 0) ?? 10;
    // The histogram buckets line up with the configured filter thresholds.
    const stats = collectStats(ctx, { topHosts, filter: config.filter });
    if (typeof args.html === 'string') {
      const { runReport } = await import('../../stages/report/index.js');
      await runReport(config, ctx, { out: args.html });
    }
    return { summary: { ...stats }, text: formatStats(stats) };
  },
};
