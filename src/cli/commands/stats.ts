import { usageError } from '../../errors.js';
import { collectStats, formatStats } from '../../stages/filter/stats.js';
import type { CommandDef } from '../command.js';

export const statsCommand: CommandDef = {
  command: 'stats',
  describe: 'Dataset statistics: pairs, images, pages, kept, rejections per filter, histograms, top hosts',
  lock: false,
  options: (y) =>
    y
      .option('top', { type: 'number', default: 10, describe: 'How many hosts to list' })
      .example('$0 stats', 'tables on the terminal')
      .example('$0 stats --json', 'the same as one JSON object'),
  async run(args, ctx) {
    const top = args.top as number;
    if (!Number.isInteger(top) || top < 0) throw usageError(`--top: expected an integer >= 0, got \`${String(args.top)}\``);
    const stats = collectStats(ctx, { topHosts: top });
    return { summary: { ...stats }, text: formatStats(stats) };
  },
};
