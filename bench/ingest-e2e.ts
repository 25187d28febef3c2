/**
 * End to end: a list of image URLs over 8 local hosts (robots.txt with a Disallow rule and a
 * Crawl-delay on each), ingested and downloaded politely, filtered and sharded. The hosts run in
 * a child process, so this process's CPU time is the pipeline's own. Prints each phase's time
 * and images/s per core (images over CPU seconds), beside a bare sharp loop (shorter side 256,
 * JPEG q90, same concurrency as shard) over the same images in the same run, and peak RSS.
 *
 *   npx tsx bench/ingest-e2e.ts [urls=10000] [distinctImages=500] [crawlDelaySeconds=0.01]
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { validateConfig } from '../src/config/load.js';
import { ingestFlow } from '../src/flows/ingest.js';
import { runFilter } from '../src/stages/filter/index.js';
import { runShard } from '../src/stages/shard/index.js';
import { makeContext } from '../src/util/context.js';

const HOSTS = 8;

async function makeImages(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const noise = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
    out.push(await sharp(noise).resize(480 + (i % 7) * 20, 360).tint({ r: (i * 37) % 255, g: (i * 91) % 255, b: (i * 53) % 255 }).jpeg({ quality: 85 }).toBuffer());
  }
  return out;
}

/** Child mode: serve the images on 127.0.0.11..18 and print the origins. */
async function serve(distinct: number, delay: number): Promise<void> {
  const images = await makeImages(distinct);
  const origins: string[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const server = createServer((req, res) => {
      if (req.url === '/robots.txt') return res.writeHead(200, { 'content-type': 'text/plain' }).end(`User-agent: *\nDisallow: /private/\nCrawl-delay: ${delay}\n`);
      const m = /\/(\d+)\.jpg$/.exec(req.url ?? '');
      if (!m) return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'image/jpeg' }).end(images[Number(m[1]) % images.length]);
    });
    await new Promise<void>((resolve) => server.listen(0, `127.0.0.${11 + h}`, resolve));
    const addr = server.address() as { port: number };
    origins.push(`http://127.0.0.${11 + h}:${addr.port}`);
  }
  process.stdout.write(JSON.stringify(origins) + '\n');
}

async function main(): Promise<void> {
  const [urls, distinct, delay] = [Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 500), Number(process.argv[4] ?? 0.01)];
  if (process.argv[2] === '--serve') return serve(Number(process.argv[3]), Number(process.argv[4]));
  const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', String(distinct), String(delay)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origins = JSON.parse((await createInterface({ input: server.stdout! })[Symbol.asyncIterator]().next()).value as string) as string[];
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  try {
    const rows = ['url,caption'];
    for (let i = 0; i < urls; i++) rows.push(`${origins[i % HOSTS]}/${i % 20 === 19 ? 'private' : 'img'}/${i}.jpg,photo number ${i} of a small bench set`);
    const list = join(dir, 'urls.csv');
    writeFileSync(list, rows.join('\n'));
    const data = join(dir, 'data');
    const config = validateConfig({ ingest: { inputs: [list] }, crawl: { perHostConcurrency: 2, globalConcurrency: 32 }, filter: { imageSize: { minSidePx: 200 } } });
    const ctx = makeContext(data);
    const phase = async <T>(name: string, work: () => Promise<T>): Promise<{ result: T; seconds: number; cpu: number }> => {
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      const result = await work();
      const c = process.cpuUsage(cpu0);
      const seconds = (Date.now() - t0) / 1000;
      return { result, seconds, cpu: (c.user + c.system) / 1e6 };
    };
    const ing = await phase('ingest', () => ingestFlow(config, ctx));
    const fil = await phase('filter', () => runFilter(config.filter, ctx));
    const sh = await phase('shard', () => runShard(config.shard, ctx));
    const fetched = ing.result.download?.imagesFetched ?? 0;
    const samples = sh.result.samplesWritten;
    const sources = await makeImages(distinct);
    const bare = await phase('bare', async () => {
      const q = new PQueue({ concurrency: availableParallelism() });
      for (let i = 0; i < Number(samples); i++) void q.add(() => sharp(sources[i % distinct]!).resize({ width: 256, height: 256, fit: 'outside' }).jpeg({ quality: 90 }).toBuffer());
      await q.onIdle();
    });
    const perCore = (n: number, p: { cpu: number }): string => (n / p.cpu).toFixed(1);
    console.log(`urls ${urls} over ${HOSTS} hosts (Crawl-delay ${delay} s, 1 in 20 disallowed), ${distinct} distinct images`);
    console.log(`ingest+download  ${ing.seconds.toFixed(1)} s  cpu ${ing.cpu.toFixed(1)} s  images fetched ${fetched}  robots-blocked ${ing.result.download?.robotsBlocked}  ${(fetched / ing.seconds).toFixed(0)} images/s  ${perCore(fetched, ing)} images/s per core`);
    console.log(`filter           ${fil.seconds.toFixed(1)} s  kept ${fil.result.kept} of ${fil.result.pairs}`);
    console.log(`shard            ${sh.seconds.toFixed(1)} s  cpu ${sh.cpu.toFixed(1)} s  samples ${samples}  ${perCore(Number(samples), sh)} images/s per core`);
    console.log(`bare sharp       ${bare.seconds.toFixed(1)} s  cpu ${bare.cpu.toFixed(1)} s  ${perCore(Number(samples), bare)} images/s per core`);
    const total = ing.cpu + fil.cpu + sh.cpu;
    console.log(`end to end       ${(ing.seconds + fil.seconds + sh.seconds).toFixed(1)} s  ${perCore(Number(samples), { cpu: total })} sharded images/s per core; ratio to bare sharp per core ${((Number(samples) / total) / (Number(samples) / bare.cpu)).toFixed(2)}`);
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
