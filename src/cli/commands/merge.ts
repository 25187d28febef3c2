import { usageError } from '../../errors.js';
import { formatSummary } from '../../util/format.js';
import type { CommandDef } from '../command.js';

export const mergeCommand: CommandDef = {
  command: 'merge [dirs..]',
  describe: 'Combine partition data dirs into one store and hand each partition\'s work for other hosts to their owners',
  lock: false, // it locks --into and every partition dir itself
  options: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, describe: 'Partition data dirs (crawl --partition I/N)' })
      .option('into', { type: 'string', describe: 'The merged data dir (created if needed)' })
      .option('full', { type: 'boolean', default: false, describe: 'Merge every partition, also those unchanged since their last merge' })
      .option('shards', { type: 'boolean', default: false, describe: 'Gather the shard folders of `shard --partition` tasks into --into as one numbered set with one sizes.json and manifest' })
      .option('copy-images', { type: 'boolean', default: false, describe: 'Copy image files instead of linking them where they are' })
      .example('$0 merge --into run/merged run/part-*', 'merge every partition; run the array again until it reports done')
      .example('$0 merge --shards --into run/shards run/merged/shard-parts/part-*', 'one WebDataset from the shard partitions'),
  async run(args, ctx) {
    const { runMerge } = await import('../../stages/merge/index.js');
    if (typeof args.into !== 'string' || args.into === '') throw usageError('merge: --into DIR is required');
    const dirs = ((args.dirs as unknown[] | undefined) ?? []).map(String);
    if (args.shards === true) {
      const { gatherShards } = await import('../../stages/merge/gather-shards.js');
      const gathered = gatherShards(args.into, dirs);
      return { summary: { ...gathered }, text: formatSummary('merge --shards', { ...gathered }) };
    }
    const summary = runMerge({ into: args.into, dirs, copyImages: args.copyImages === true, full: args.full === true }, ctx);
    return { summary: { ...summary }, text: formatSummary('merge', { ...summary }) };
  },
};
