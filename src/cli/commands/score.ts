import { loadConfig } from '../../config/load.js';
import { formatSummary } from '../../util/format.js';
import type { CommandDef } from '../command.js';
import { intFlag } from '../flags.js';

export const scoreCommand: CommandDef = {
  command: 'score',
  describe: "Image/caption cosine of every stored pair under a run's checkpoint, kept in the store for the model-score filter",
  lock: true,
  options: (y) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'Run directory of `align-data train`' })
      .option('batch-size', { type: 'number', describe: 'Pairs per batch (default 64)' })
      .example('$0 score --run data/runs/default', 'then enable filter.modelScore and run `align-data filter`'),
  async run(args, ctx) {
    const batchSize = intFlag(args, 'batchSize', '--batch-size', 1);
    const { runScore } = await import('../../stages/retrieval/score.js');
    const { openRun } = await import('../../stages/train/index.js');
    const run = await openRun(String(args.run), ctx, loadConfig(args.config).train.backend);
    try {
      const summary = await runScore(run, ctx, { batchSize });
      const { histogram, ...rest } = summary;
      return { summary: { ...summary }, text: formatSummary('score', { ...rest, histogram: histogram.map((b) => `${b.from.toFixed(1)}:${b.pairs}`).join(' ') }) };
    } finally {
      run.dispose();
    }
  },
};
