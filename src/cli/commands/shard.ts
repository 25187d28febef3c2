import { loadConfig } from '../../config/load.js';
import { formatSummary } from '../../util/format.js';
import { acquireLock } from '../../util/lock.js';
import { resolvePartition } from '../../util/partition.js';
import type { CommandDef } from '../command.js';
import { partitionOptions } from '../flags.js';

export const shardCommand: CommandDef = {
  command: 'shard',
  describe: 'Write the kept pairs as WebDataset tar shards (resized JPEG + alt text + metadata), with a manifest',
  lock: false, // it locks the data dir, or a partition's own folder (partitions run at once)
  options: (y) =>
    y
      .option('rebuild', { type: 'boolean', default: false, describe: 'Delete every shard and write all kept pairs again' })
      .option('val-fraction', { type: 'number', describe: 'Fraction of images held out in val shards (default 0.01)' })
      .option('resize-mode', { type: 'string', choices: ['shorter-side', 'center-crop', 'none'], describe: 'How images are resized (default shorter-side)' })
      .option('image-size', { type: 'number', describe: 'Target size in px: the shorter side, or the crop (default 256)' })
      .option('jpeg-quality', { type: 'number', describe: 'JPEG quality 1-100 (default 90)' })
      .option('samples-per-shard', { type: 'number', describe: 'A shard closes at this many samples (default 10000)' })
      .options(partitionOptions('Write share I/N of the samples (by image sha256) into shard-parts/'))
      .option('encoder', { type: 'string', choices: ['auto', 'native', 'sharp'], describe: 'JPEG encoder: native (exact-scale shrink-on-load, built by npm run build), sharp, or auto: native where built (default auto)' })
      .option('concurrency', { type: 'number', describe: 'Images encoded at once, each in its own encoder process (default: one per core)' })
      .example('$0 shard', 'write new kept pairs of ./data into ./data/shards')
      .example('$0 shard --rebuild --image-size 224 --resize-mode center-crop', 'rewrite every shard as 224×224 crops'),
  async run(args, ctx) {
    // Stages load on demand, so --help and other commands start fast (tfjs, sharp, undici are heavy).
    const { runShard, shardPartDir } = await import('../../stages/shard/index.js');
    const partition = resolvePartition(args.partition, args.partitions);
    const config = loadConfig(args.config, {
      shard: {
        valFraction: args.valFraction,
        resizeMode: args.resizeMode,
        imageSize: args.imageSize,
        jpegQuality: args.jpegQuality,
        samplesPerShard: args.samplesPerShard,
        concurrency: args.concurrency,
        encoder: args.encoder,
      },
    });
    const lock = acquireLock(partition ? shardPartDir(ctx.dataDir, partition) : ctx.dataDir, 'shard');
    try {
      const summary = await runShard(config.shard, ctx, { rebuild: args.rebuild === true, partition });
      return { summary: { ...summary }, text: formatSummary('shard', { ...summary }) };
    } finally {
      lock.release();
    }
  },
};
