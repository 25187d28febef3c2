import { loadConfig } from '../../config/load.js';
import { formatSummary } from '../../util/format.js';
import type { CommandDef } from '../command.js';

export const reportCommand: CommandDef = {
  command: 'report',
  describe: 'One self-contained HTML page about the dataset (charts, contact sheets, crawl, refresh history, a run\'s curves)',
  lock: false,
  options: (y) =>
    y
      .option('out', { type: 'string', demandOption: true, describe: 'The HTML file to write' })
      .option('run', { type: 'string', describe: 'A training run directory (train --out): add its loss / temperature / Recall@K curves' })
      .example('$0 report --data-dir data --out report.html', 'the dataset')
      .example('$0 report --data-dir data --run data/runs/default --out report.html', 'the dataset and a training run'),
  async run(args, ctx) {
    const { runReport } = await import('../../stages/report/index.js');
    const config = loadConfig(args.config);
    const summary = await runReport(config, ctx, { out: String(args.out), run: args.run as string | undefined });
    return { summary: { ...summary }, text: formatSummary('report', { ...summary }) };
  },
};
