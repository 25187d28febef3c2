import { loadConfig } from '../../config/load.js';
import { formatSummary } from '../../util/format.js';
import type { CommandDef } from '../command.js';
import { intFlag } from '../flags.js';

export const evalCommand: CommandDef = {
  command: 'eval',
  describe: 'Image→text and text→image Recall@1/5/10 and mean rank of a trained run on held-out shards',
  lock: false,
  options: (y) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'Run directory of `align-data train` (its --out)' })
      .option('shards', { type: 'string', demandOption: true, describe: 'Held-out shards: brace pattern, .tar or folder' })
      .option('limit', { type: 'number', describe: 'Evaluate only the first N samples of the shards (scoring is N×N)' })
      .example("$0 eval --run data/runs/default --shards 'data/shards/val-{000000..000000}.tar' --json", 'Recall@K as JSON')
      .example("$0 eval --run data/runs/default --shards data/shards --limit 5000", 'the first 5,000 held-out samples'),
  async run(args, ctx) {
    const limit = intFlag(args, 'limit', '--limit', 1);
    // Stages load on demand, so --help and other commands start fast (tfjs, sharp, undici are heavy).
    const { runEval } = await import('../../stages/retrieval/index.js');
    const { openRun } = await import('../../stages/train/index.js');
    const config = loadConfig(args.config);
    const run = await openRun(String(args.run), ctx, config.train.backend);
    try {
      const summary = await runEval(run, run.batches(String(args.shards), { limit }), ctx, { limit });
      const skipped = run.counts.incomplete + run.counts.corrupt;
      if (skipped > 0 || run.counts.brokenShards > 0) {
        ctx.log.warn(`skipped ${run.counts.corrupt} corrupt and ${run.counts.incomplete} incomplete samples, ${run.counts.brokenShards} damaged shards`);
      }
      return { summary: { ...summary }, text: formatSummary('eval', { ...summary, chance: 1 / summary.samples }) };
    } finally {
      run.dispose();
    }
  },
};
