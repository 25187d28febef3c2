import { join } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { formatSummary } from '../../util/format.js';
import { resolvePartition } from '../../util/partition.js';
import type { CommandDef } from '../command.js';
import { intFlag, partitionOptions } from '../flags.js';

export const indexCommand: CommandDef = {
  command: 'index',
  describe: "Embed every sample of the shards (images and captions) with a run's checkpoint into a sqlite-vec index",
  lock: false,
  options: (y) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'Run directory of `align-data train`' })
      .option('shards', { type: 'string', describe: 'Shards to index: brace pattern, .tar or folder (default: DATA_DIR/shards, train and val)' })
      .option('index', { type: 'string', describe: 'Index file (default: RUN/index.sqlite)' })
      .option('rebuild', { type: 'boolean', default: false, describe: 'Start the index afresh (needed for another checkpoint)' })
      .option('batch-size', { type: 'number', describe: 'Samples embedded per batch (default 64)' })
      .options(partitionOptions('Index share I/N of the shards (by file name) into index-parts/ beside the index'))
      .example('$0 index --run data/runs/default', 'index data/shards into data/runs/default/index.sqlite'),
  async run(args, ctx) {
    const batchSize = intFlag(args, 'batchSize', '--batch-size', 1);
    const partition = resolvePartition(args.partition, args.partitions);
    const { runIndex, indexPartPath } = await import('../../stages/retrieval/build-index.js');
    const { openRun } = await import('../../stages/train/index.js');
    const run = await openRun(String(args.run), ctx, loadConfig(args.config).train.backend);
    try {
      const indexPath = String(args.index ?? join(String(args.run), 'index.sqlite'));
      const options = { shards: String(args.shards ?? join(ctx.dataDir, 'shards')), indexPath: partition ? indexPartPath(indexPath, partition) : indexPath, rebuild: Boolean(args.rebuild), batchSize, partition };
      const summary = await runIndex(run, options, ctx);
      return { summary: { ...summary }, text: formatSummary('index', { ...summary }) };
    } finally {
      run.dispose();
    }
  },
};
