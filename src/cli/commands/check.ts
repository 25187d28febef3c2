import { appendFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../config/load.js';
import { EXIT } from '../../errors.js';
import type { CommandDef } from '../command.js';

export const checkCommand: CommandDef = {
  command: 'check',
  describe: 'Quality gates over shards (and the data dir store): exit 0 when all pass, 3 when one fails',
  lock: false,
  options: (y) =>
    y
      .option('shards', { type: 'string', describe: 'Shards to check: folder, .tar or brace pattern (default: the data dir\'s shards/)' })
      .option('junit', { type: 'string', describe: 'Write JUnit XML (one testcase per gate) to this file' })
      .example('$0 check --data-dir data --junit check.xml', 'gate a data dir, JUnit for CI')
      .example("$0 check --shards 'other/shards-{000000..000009}.tar'", 'gate shards made by another tool'),
  async run(args, ctx) {
    const { runCheck } = await import('../../stages/check/index.js');
    const { formatCheck, junitXml, markdownSummary } = await import('../../stages/check/reports.js');
    const config = loadConfig(args.config);
    const summary = await runCheck(config, ctx, { shards: args.shards as string | undefined });
    if (typeof args.junit === 'string') writeFileSync(args.junit, junitXml(summary));
    const stepSummary = process.env.GITHUB_STEP_SUMMARY;
    if (stepSummary) appendFileSync(stepSummary, markdownSummary(summary));
    return { summary: { ...summary }, text: formatCheck(summary), exitCode: summary.passed ? EXIT.ok : EXIT.gate };
  },
};
