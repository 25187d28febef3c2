import { dirname, resolve } from 'node:path';
import type { CommandDef } from '../command.js';
import { intFlag, numberFlag } from '../flags.js';

export const demoCommand: CommandDef = {
  command: 'demo',
  describe: 'Run crawl → filter → shard → train → eval on a bundled demo site served on 127.0.0.1 (nothing to set up)',
  lock: true,
  options: (y) =>
    y
      .option('data-dir', { type: 'string', default: './align-demo', describe: 'Where the demo writes (cleared first if an earlier demo made it)' })
      .option('photos', { type: 'number', default: 160, describe: 'Captioned photos on the demo site' })
      .option('train-seconds', { type: 'number', default: 45, describe: 'Train the dual encoder this long on the shards, then evaluate (0: stop after shard)' })
      .example('$0 demo', 'build a small dataset in ./align-demo from a generated local site'),
  async run(args, ctx) {
    const { formatDemo, runDemo } = await import('../../flows/demo.js');
    const photos = intFlag(args, 'photos', '--photos', 10, 5000) ?? 160;
    const trainSeconds = numberFlag(args, 'trainSeconds', '--train-seconds') ?? 45;
    const baseDir = args.config ? dirname(resolve(args.config)) : process.cwd();
    const summary = await runDemo({ configPath: args.config, baseDir, photos, trainSeconds }, ctx);
    return { summary, text: formatDemo(summary) };
  },
};
