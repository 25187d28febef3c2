import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { usageError } from '../../errors.js';
import { runCrawl } from '../../stages/crawl/index.js';
import { startDemoSite } from '../../stages/demo/index.js';
import { runFilter } from '../../stages/filter/index.js';
import { runShard } from '../../stages/shard/index.js';
import { formatSummary } from '../../util/format.js';
import type { CommandDef } from '../command.js';

/** Marks a data directory as the demo's own, so a rerun may clear it. */
const DEMO_MARKER = '.align-demo';

export const demoCommand: CommandDef = {
  command: 'demo',
  describe: 'Run crawl → filter → shard on a bundled demo site served on 127.0.0.1 (nothing to set up)',
  lock: true,
  options: (y) =>
    y
      .option('data-dir', { type: 'string', default: './align-demo', describe: 'Where the demo writes (cleared first if an earlier demo made it)' })
      .option('photos', { type: 'number', default: 160, describe: 'Captioned photos on the demo site' })
      .example('$0 demo', 'build a small dataset in ./align-demo from a generated local site'),
  async run(args, ctx) {
    const photos = args.photos as number;
    if (!Number.isInteger(photos) || photos < 10 || photos > 5000) throw usageError(`Expected \`--photos\` to be an integer from 10 to 5000, got \`${photos}\``);
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
      summary.shard = { ...(await runShard(config.shard, ctx)) };
      // Next: a short train + eval on the shards (the lead adds it here once `train` exists).
    } finally {
      await site.close();
    }
    return finish(summary);
  },
};

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
  return { summary, text: text + where };
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
