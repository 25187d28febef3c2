import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { usageError } from '../../errors.js';
import { formatSummary } from '../../util/format.js';
import type { RetrievalMetrics } from '../../stages/retrieval/index.js';
import type { StageContext } from '../../util/context.js';
import type { CommandDef } from '../command.js';
import { intFlag, numberFlag } from '../flags.js';

/** Marks a data directory as the demo's own, so a rerun may clear it. */
const DEMO_MARKER = '.align-demo';

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
    // Stages load on demand, so --help and other commands start fast (tfjs, sharp, undici are heavy).
    const { runCrawl } = await import('../../stages/crawl/index.js');
    const { startDemoSite } = await import('../../stages/demo/index.js');
    const { runFilter } = await import('../../stages/filter/index.js');
    const { runShard } = await import('../../stages/shard/index.js');
    const photos = intFlag(args, 'photos', '--photos', 10, 5000) ?? 160;
    const trainSeconds = numberFlag(args, 'trainSeconds', '--train-seconds') ?? 45;
    loadConfig(args.config); // a bad config file stops here, before the directory is touched
    prepareDemoDir(ctx.dataDir);
    const site = await startDemoSite({ photos });
    ctx.log.info(`demo: serving the demo site at ${site.origin} (${site.pages} pages, ${photos} captioned photos)`);
    const summary: Record<string, Record<string, unknown>> = { site: { url: site.seed, pages: site.pages, photos } };
    try {
      const config = loadConfig(args.config, { crawl: { seeds: [site.seed] }, shard: demoShardOptions(args.config) });
      summary.crawl = { ...(await runCrawl(config.crawl, ctx)) };
      summary.site!.requests = site.requests;
      await site.close();
      if (ctx.signal.aborted) return finish(summary);
      summary.filter = { ...(await runFilter(config.filter, ctx, { baseDir: args.config ? dirname(resolve(args.config)) : process.cwd() })) };
      if (ctx.signal.aborted) return finish(summary);
      const shard = await runShard(config.shard, ctx);
      summary.shard = { ...shard };
      if (ctx.signal.aborted || trainSeconds === 0 || !shard.trainShards) return finish(summary);
      Object.assign(summary, await trainAndEvaluate(args.config, ctx, shard.trainShards, shard.valShards, trainSeconds));
    } finally {
      await site.close();
    }
    return finish(summary);
  },
};

/**
 * A short training run on the demo's train shards, then Recall@K on its val shards beside
 * chance (1 / samples): enough to see the corpus train, not a benchmark.
 */
async function trainAndEvaluate(configPath: string | undefined, ctx: StageContext, trainShards: string, valShards: string | null, seconds: number): Promise<Record<string, Record<string, unknown>>> {
  const { runTrain, openRun } = await import('../../stages/train/index.js');
  const { runEval } = await import('../../stages/retrieval/index.js');
  const file = configPath ? (JSON.parse(readFileSync(configPath, 'utf8')) as { train?: Record<string, unknown> }) : {};
  const out = join(ctx.dataDir, 'runs', 'demo');
  const config = loadConfig(configPath, { train: { batchSize: 32, steps: 100_000, ...file.train, shards: trainShards, out, minutes: seconds / 60, resume: false } });
  ctx.log.info(`demo: training for ${seconds} s on ${trainShards}`);
  const train = await runTrain(config.train, ctx);
  const result: Record<string, Record<string, unknown>> = { train: { ...train } };
  if (!valShards || ctx.signal.aborted) return result;
  const run = await openRun(out, ctx, config.train.backend);
  try {
    const metrics = await runEval(run, run.batches(valShards), ctx);
    result.eval = { ...metrics, chance: metrics.samples > 0 ? 1 / metrics.samples : 0 };
  } finally {
    run.dispose();
  }
  return result;
}

/**
 * The demo's dataset is small: a tenth of the images is held out (so an eval has something to
 * rank) and shards hold 64 samples (so there are several). The config file still wins.
 */
function demoShardOptions(configPath: string | undefined): Record<string, unknown> {
  const file = configPath ? (JSON.parse(readFileSync(configPath, 'utf8')) as { shard?: Record<string, unknown> }) : {};
  return { valFraction: 0.1, samplesPerShard: 64, ...file.shard };
}

function finish(summary: Record<string, Record<string, unknown>>): { summary: Record<string, unknown>; text: string } {
  const text = Object.entries(summary)
    .map(([stage, s]) => formatSummary(stage === 'site' ? 'demo site' : stage, s))
    .join('\n');
  const shard = summary.shard as { trainShards?: string | null; valShards?: string | null } | undefined;
  const where = shard ? `\ntrain shards: ${shard.trainShards ?? '-'}\nval shards:   ${shard.valShards ?? '-'}\n` : '';
  return { summary, text: text + where + recallLine(summary.eval as RetrievalMetrics | undefined) };
}

/** `Recall@1 image→text 38.1%, text→image 33.3% (chance 4.8%, 21 held-out samples)`. */
function recallLine(metrics: RetrievalMetrics | undefined): string {
  if (!metrics || metrics.samples === 0) return '';
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const chance = 1 / metrics.samples;
  return (
    `Recall@1  image→text ${pct(metrics.imageToText['R@1'])}, text→image ${pct(metrics.textToImage['R@1'])}` +
    `  (chance ${pct(chance)}, ${metrics.samples} held-out samples)\n` +
    `Recall@5  image→text ${pct(metrics.imageToText['R@5'])}, text→image ${pct(metrics.textToImage['R@5'])}` +
    `  (chance ${pct(Math.min(1, 5 * chance))})\n`
  );
}

/**
 * The demo starts from an empty directory. One an earlier demo made (it has the marker) is
 * cleared; any other non-empty directory is refused, so the demo never deletes a user's data.
 */
function prepareDemoDir(dir: string): void {
  const entries = existsSync(dir) ? readdirSync(dir).filter((n) => n !== 'align.lock') : [];
  if (entries.length > 0 && !entries.includes(DEMO_MARKER)) {
    throw usageError(`${dir} is not empty and was not made by \`align-data demo\``, 'pick another --data-dir, or remove the directory');
  }
  for (const name of entries) rmSync(join(dir, name), { recursive: true, force: true });
  writeFileSync(join(dir, DEMO_MARKER), 'made by `align-data demo`: a later demo run clears this directory\n');
}
