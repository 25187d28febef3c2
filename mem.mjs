const { runShard } = await import('/work/main/dist/src/stages/shard/index.js');
const { ShardConfigSchema } = await import('/work/main/dist/src/config/shard.js');
const { makeContext } = await import('/work/main/dist/src/util/context.js');
const t = setInterval(() => { const m = process.memoryUsage(); console.error(`rss ${m.rss>>20} heapTotal ${m.heapTotal>>20} heapUsed ${m.heapUsed>>20} external ${m.external>>20} arrayBuffers ${m.arrayBuffers>>20}`); }, 10000);
const s = await runShard(ShardConfigSchema.parse({}), makeContext('/tmp/align-bench-shard-20000/data'), { rebuild: true });
clearInterval(t);
const m = process.memoryUsage(); console.error('end', m.rss>>20, 'maxrss', process.resourceUsage().maxRSS>>10, s.encoders);
