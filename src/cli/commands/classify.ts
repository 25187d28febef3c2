import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/load.js';
import { usageError } from '../../errors.js';
import type { CommandDef } from '../command.js';
import { intFlag } from '../flags.js';

export const classifyCommand: CommandDef = {
  command: 'classify',
  describe: 'Zero-shot classification of images or shards with prompt-ensemble class weights',
  lock: false,
  options: (y) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'Run directory of `align-data train`' })
      .option('labels', { type: 'string', describe: 'Class names, comma-separated' })
      .option('labels-file', { type: 'string', describe: 'Class names, one a line' })
      .option('templates', { type: 'string', default: 'default', describe: 'Prompt templates: default, imagenet (CLIP\'s 80), or a file of lines with {}' })
      .option('images', { type: 'string', array: true, describe: 'Image files or folders (recursive)' })
      .option('shards', { type: 'string', describe: 'Shards instead of files: brace pattern, .tar or folder' })
      .option('label-field', { type: 'string', describe: "The sample .json field holding its label (else a .cls member); adds accuracy" })
      .option('top', { type: 'number', default: 1, describe: 'Classes listed per prediction' })
      .example('$0 classify --run data/runs/default --labels "cat,dog" --images photos/ --json', 'zero-shot on a folder'),
  async run(args, ctx) {
    const labels = parseLabels(args);
    const top = intFlag(args, 'top', '--top', 1) ?? 1;
    if ((args.images === undefined) === (args.shards === undefined)) throw usageError('classify needs exactly one of --images and --shards');
    const { runClassify, loadTemplates } = await import('../../stages/retrieval/classify.js');
    const templates = loadTemplates(String(args.templates));
    const { openRun } = await import('../../stages/train/index.js');
    const run = await openRun(String(args.run), ctx, loadConfig(args.config).train.backend);
    try {
      const options = { labels, templates, top, images: (args.images as string[] | undefined)?.map(String), shards: args.shards as string | undefined, labelField: args.labelField as string | undefined };
      const summary = await runClassify(run, options, ctx);
      const lines = summary.predictions.map((p) => `${p.key ?? p.file}  ${p.label ?? p.error}  ${p.score?.toFixed(3) ?? ''}`);
      const accuracy = summary.accuracy === undefined ? '' : `accuracy ${(100 * summary.accuracy).toFixed(1)}% (chance ${(100 / labels.length).toFixed(1)}%)\n`;
      return { summary: { ...summary }, text: `${lines.join('\n')}\n${accuracy}` };
    } finally {
      run.dispose();
    }
  },
};

function parseLabels(args: Record<string, unknown>): string[] {
  if ((args.labels === undefined) === (args.labelsFile === undefined)) throw usageError('classify needs exactly one of --labels and --labels-file');
  let raw: string[];
  if (args.labels !== undefined) raw = String(args.labels).split(',');
  else {
    try {
      raw = readFileSync(String(args.labelsFile), 'utf8').split(/\r?\n/);
    } catch {
      throw usageError(`--labels-file: cannot read ${String(args.labelsFile)}`);
    }
  }
  const labels = raw.map((l) => l.trim()).filter((l) => l !== '');
  if (labels.length < 2) throw usageError(`--labels: expected at least two class names, got ${labels.length}`);
  if (new Set(labels).size !== labels.length) throw usageError('--labels: a class name is listed twice');
  return labels;
}
