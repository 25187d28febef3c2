import { dirname, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { CommandDef } from '../command.js';

export const filterCommand: CommandDef = {
  command: 'filter',
  describe: "Apply ALIGN's frequency filters: a decision (kept, or why not) for every pair",
  lock: true,
  options: (y) =>
    y
      .option('eval-images', { type: 'string', array: true, describe: 'Folders of evaluation images: near-duplicates of them are removed' })
      .example('$0 filter', "apply ALIGN's filters with ALIGN's defaults to ./data")
      .example('$0 filter --eval-images ./coco-test2017 --json', 'also drop near-duplicates of the COCO test images'),
  async run(args, ctx) {
    // Stages load on demand, so --help and other commands start fast (tfjs, sharp, undici are heavy).
    const { runFilter } = await import('../../stages/filter/index.js');
    const { formatFilterSummary } = await import('../../stages/filter/format.js');
    const evalImages = args.evalImages as string[] | undefined;
    const config = loadConfig(args.config, { filter: { evalDedup: { evalImages: evalImages?.map(String) } } });
    // Relative paths of user filter modules are relative to the config file that names them.
    const baseDir = args.config ? dirname(resolve(args.config)) : process.cwd();
    const summary = await runFilter(config.filter, ctx, { baseDir });
    return { summary: { ...summary }, text: formatFilterSummary(summary) };
  },
};
