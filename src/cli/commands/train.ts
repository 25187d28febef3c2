import { loadConfig } from '../../config/load.js';
import { formatSummary } from '../../util/format.js';
import type { CommandDef } from '../command.js';

export const trainCommand: CommandDef = {
  command: 'train',
  describe: 'Train an ALIGN dual encoder (EfficientNet + BERT, TensorFlow.js) on WebDataset shards',
  lock: false,
  options: (y) =>
    y
      .option('shards', { type: 'string', describe: 'Training shards: brace pattern, .tar or folder (default DATA_DIR/shards)' })
      .option('val', { type: 'string', describe: 'Held-out shards, evaluated every evalEverySteps steps and at the end' })
      .option('out', { type: 'string', describe: 'Run directory (default DATA_DIR/runs/default)' })
      .option('steps', { type: 'number', describe: 'Stop after this many steps in all (default 1000)' })
      .option('minutes', { type: 'number', describe: 'Stop after this many minutes in all; whichever of --steps and --minutes ends first' })
      .option('batch-size', { type: 'number', describe: 'Samples per step (default 64)' })
      .option('backend', { type: 'string', choices: ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'], describe: 'TensorFlow.js backend (default auto)' })
      .option('seed', { type: 'number', describe: 'Seed of initialisation, shuffling and augmentation (default 0)' })
      .option('resume', { type: 'boolean', describe: 'Continue from the run directory\'s latest checkpoint' })
      .example("$0 train --shards 'data/shards/train-{000000..000003}.tar' --val 'data/shards/val-{000000..000000}.tar' --minutes 5", 'train for five minutes'),
  async run(args, ctx) {
    const config = loadConfig(args.config, {
      train: {
        shards: args.shards,
        val: args.val,
        out: args.out,
        steps: args.steps,
        minutes: args.minutes,
        batchSize: args.batchSize,
        backend: args.backend,
        seed: args.seed,
        resume: args.resume,
      },
    });
    // Stages load on demand, and only once the config is valid (tfjs, sharp, undici are heavy).
    const { scoreRetrieval } = await import('../../stages/retrieval/index.js');
    const { runTrain } = await import('../../stages/train/index.js');
    const summary = await runTrain(config.train, ctx, { scoreRetrieval });
    return { summary: { ...summary }, text: formatSummary('train', { ...summary }) };
  },
};
