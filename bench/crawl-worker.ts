/**
 * One crawl for bench/crawl.ts, in its own process so its peak RSS is its own. Reads
 * `{ dataDir, config }` (JSON, argv[2]) and sends back `{ seconds, cpuSeconds, maxRssKb, summary }`
 * (cpuSeconds: the crawler's own CPU time, all its threads: less sensitive to other load than seconds).
 */
import { loadConfig } from '../src/config/load.js';
import { runCrawl } from '../src/stages/crawl/index.js';
import { makeContext } from '../src/util/context.js';

const { dataDir, config } = JSON.parse(process.argv[2] ?? '{}') as { dataDir: string; config: Record<string, unknown> };
const crawlConfig = loadConfig(undefined, { crawl: config }).crawl;
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
const summary = await runCrawl(crawlConfig, makeContext(dataDir));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const used = process.cpuUsage(cpu);
const cpuSeconds = (used.user + used.system) / 1e6;
process.send!({ seconds, cpuSeconds, maxRssKb: process.resourceUsage().maxRSS, summary }, () => process.exit(0));
