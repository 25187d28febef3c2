/**
 * The demo flow: crawl → filter → shard → train → eval on the bundled demo site, served on
 * 127.0.0.1 for the length of the crawl.
 *
 * In: a data directory that is empty or an earlier demo's, the config (file and flags), a photo
 * count and a training time. Out: everything the stages write there, and one summary per stage.
 * Stages load on demand, so `--help` and other commands start fast (tfjs, sharp, undici are heavy).
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigOverrides, loadConfig } from '../config/load.js';
import { usageError } from '../errors.js';
import type { RetrievalMetrics } from '../stages/retrieval/index.js';
import type { StageContext } from '../util/context.js';
import { formatSummary } from '../util/format.js';

/** Marks a data directory as the demo's own, so a rerun may clear it. */
const DEMO_MARKER = '.align-demo';

export interface DemoOptions {
  /** The config file, if any: it wins over the demo's own defaults. */
  configPath?: string;
  /** Where a relative filter path in the config is resolved. */
  baseDir: string;
  /** Captioned photos on the demo site. @default 160 */
  photos?: number;
  /** Train this long on the shards, then evaluate (0: stop after shard). @default 45 */
  trainSeconds?: number;
}

export type DemoSummary = Record<string, Record<string, unknown>>;

/**
 * The demo's dataset is small: a tenth of the images is held out (so an eval has something to
 * rank), shards hold 64 samples (so there are several), batches are 32. The config file still wins.
 */
const DEMO_DEFAULTS: ConfigOverrides = { shard: { valFraction: 0.1, samplesPerShard: 64 }, train: { batchSize: 32, steps: 100_000 } };

export async function runDemo(options: DemoOptions, ctx: StageContext): Promise<DemoSummary> {
  const { runCrawl } = await import('../stages/crawl/index.js');
  const { startDemoSite } = await import('../stages/demo/index.js');
  const { runFilter } = await import('../stages/filter/index.js');
  const { runShard } = await import('../stages/shard/index.js');
  const photos = options.photos ?? 160;
  loadConfig(options.configPath, {}, DEMO_DEFAULTS); // a bad config file stops here, before the directory is touched
  prepareDemoDir(ctx.dataDir);
  const site = await startDemoSite({ photos });
  ctx.log.info(`demo: serving the demo site at ${site.origin} (${site.pages} pages, ${photos} captioned photos)`);
  const summary: DemoSummary = { site: { url: site.seed, pages: site.pages, photos } };
  try {
    const config = loadConfig(options.configPath, { crawl: { seeds: [site.seed] } }, DEMO_DEFAULTS);
    summary.crawl = { ...(await runCrawl(config.crawl, ctx)) };
    summary.site!.requests = site.requests;
    await site.close();
    if (ctx.signal.aborted) return summary;
    summary.filter = { ...(await runFilter(config.filter, ctx, { baseDir: options.baseDir })) };
    if (ctx.signal.aborted) return summary;
    const shard = await runShard(config.shard, ctx);
    summary.shard = { ...shard };
    const seconds = options.trainSeconds ?? 45;
    if (ctx.signal.aborted || seconds === 0 || !shard.trainShards) return summary;
    Object.assign(summary, await trainAndEvaluate(options.configPath, ctx, shard.trainShards, shard.valShards, seconds));
  } finally {
    await site.close();
  }
  return summary;
}

/**
 * A short training run on the demo's train shards, then Recall@K on its val shards beside
 * chance (1 / samples): enough to see the corpus train, not a benchmark.
 */
async function trainAndEvaluate(configPath: string | undefined, ctx: StageContext, trainShards: string, valShards: string | null, seconds: number): Promise<DemoSummary> {
  const { runTrain, openRun } = await import('../stages/train/index.js');
  const { runEval } = await import('../stages/retrieval/index.js');
  const out = join(ctx.dataDir, 'runs', 'demo');
  const config = loadConfig(configPath, { train: { shards: trainShards, out, minutes: seconds / 60, resume: false } }, DEMO_DEFAULTS);
  ctx.log.info(`demo: training for ${seconds} s on ${trainShards}`);
  const train = await runTrain(config.train, ctx);
  const result: DemoSummary = { train: { ...train } };
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

/** The demo's summaries as text, then where the shards are and Recall@1/5 beside chance. */
export function formatDemo(summary: DemoSummary): string {
  const text = Object.entries(summary)
    .map(([stage, s]) => formatSummary(stage === 'site' ? 'demo site' : stage, s))
    .join('\n');
  const shard = summary.shard as { trainShards?: string | null; valShards?: string | null } | undefined;
  const where = shard ? `\ntrain shards: ${shard.trainShards ?? '-'}\nval shards:   ${shard.valShards ?? '-'}\n` : '';
  return text + where + recallLine(summary.eval as RetrievalMetrics | undefined);
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
