// One `shard --rebuild` of a bench store as the CLI runs it: plain node and the built dist/ (no
// TypeScript loader in this process, so its memory is the CLI's), modules loaded before the clock.
// bench/shard.ts runs it and reads the JSON line it prints.
//   node bench/shard-phase.mjs DATA_DIR ENCODER SIZE QUALITY [CONCURRENCY]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [dataDir, encoder, size, quality, concurrency] = process.argv.slice(2);
const dist = new URL('../dist/src/', import.meta.url);
const { runShard } = await import(new URL('stages/shard/index.js', dist).href);
const { ShardConfigSchema } = await import(new URL('config/shard.js', dist).href);
const { makeContext } = await import(new URL('util/context.js', dist).href);
const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** CPU seconds of reaped children (the encoder processes): /proc/self/stat cutime + cstime. */
const childCpu = () => readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(13, 15).reduce((a, t) => a + Number(t), 0) / ticks;

const config = ShardConfigSchema.parse({ imageSize: Number(size), jpegQuality: Number(quality), concurrency: concurrency ? Number(concurrency) : null, encoder });
const start = process.hrtime.bigint();
const cpu = process.cpuUsage();
const children = childCpu();
const summary = await runShard(config, makeContext(dataDir), { rebuild: true });
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({
  seconds: Number(process.hrtime.bigint() - start) / 1e9,
  cpuSeconds: (used.user + used.system) / 1e6 + childCpu() - children,
  // This process's peak plus each encoder process's (summary.encoders.peakRssKB).
  rssKB: process.resourceUsage().maxRSS + summary.encoders.peakRssKB,
  encoder: summary.encoder,
  samples: summary.samplesWritten,
}));
