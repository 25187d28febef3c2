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
      .option('scores', { type: 'boolean', default: false, describe: 'Gather the folders of `score --partition` tasks into the pair scores of the store at --into' })
      .option('index', { type: 'boolean', default: false, describe: 'Gather the index files of `index --partition` tasks into the index file --into' })
      .option('copy-images', { type: 'boolean', default: false, describe: 'Copy image files instead of linking them where they are' })
      .example('$0 merge --into run/merged run/part-*', 'merge every partition; run the array again until it reports done')
      .example('$0 merge --shards --into run/shards run/merged/shard-parts/part-*', 'one WebDataset from the shard partitions')
      .example('$0 merge --scores --into run/merged run/merged/score-parts/part-*', 'the score partitions into the store\'s pair scores')
      .example('$0 merge --index --into RUN/index.sqlite RUN/index-parts/part-*.sqlite', 'one index from the index partitions'),
  async run(args, ctx) {
    const { runMerge } = await import('../../stages/merge/index.js');
    if (typeof args.into !== 'string' || args.into === '') throw usageError('merge: --into DIR is required');
    const dirs = ((args.dirs as unknown[] | undefined) ?? []).map(String);
    if ([args.shards, args.scores, args.index].filter((f) => f === true).length > 1) throw usageError('merge: give one of --shards, --scores and --index');
    if (args.scores === true) {
      const { gatherScores } = await import('../../stages/merge/gather-scores.js');
      const gathered = gatherScores(args.into, dirs);
      return { summary: { ...gathered }, text: formatSummary('merge --scores', { ...gathered }) };
    }
    if (args.index === true) {
      const { gatherIndex } = await import('../../stages/merge/gather-index.js');
      const gathered = gatherIndex(args.into, dirs);
      return { summary: { ...gathered }, text: formatSummary('merge --index', { ...gathered }) };
    }
    if (args.shards === true) {
      const { gatherShards } = await import('../../stages/merge/gather-shards.js');
      const gathered = gatherShards(args.into, dirs);
      return { summary: { ...gathered }, text: formatSummary('merge --shards', { ...gathered }) };
    }
    const summary = runMerge({ into: args.into, dirs, copyImages: args.copyImages === true, full: args.full === true }, ctx);
    return { summary: { ...summary }, text: formatSummary('merge', { ...summary }) };
  },
};
