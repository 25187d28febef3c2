/**
 * Crawl throughput and frontier memory. Run: `npx tsx bench/crawl.ts` (add `--small` for a quick look).
 *
 * 1. A generated site on 8 loopback hosts (127.0.0.11–18): 2,000 pages and 10,000 images (small
 *    JPEG/PNG made once with sharp, each different, cached in the temp dir), politeness set so it
 *    is not the limit. Prints pages/s, images/s and the crawler's peak RSS.
 * 2. A frontier of 100,000 URLs (hub pages on 127.0.0.19 linking to them), crawled with a page
 *    budget so the frontier stays full: the crawler's peak RSS must stay under 300 MB.
 *
 * `BENCH_CPU_PROF=DIR` writes a CPU profile of each crawl into DIR. The servers run in this process; each crawl runs in a child process (bench/crawl-worker.ts),
 * so its peak RSS and CPU are its own. Figures depend on the machine and its load: the load
 * average is printed beside them.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const small = process.argv.includes('--small');
const HOSTS = 8;
const PAGES = small ? 400 : 2_000;
const IMAGES = small ? 2_000 : 10_000;
const LINKS_PER_PAGE = 5;
const FRONTIER = small ? 20_000 : 100_000;
const HUB_LINKS = 5_000;

interface WorkerResult {
  seconds: number;
  cpuSeconds: number;
  maxRssKb: number;
  summary: Record<string, unknown>;
}

/** Image `i` as JPEG (even) or PNG (odd): a gradient with a pattern seeded by i, so every file differs. */
async function makeImage(i: number): Promise<Buffer> {
  const width = 96;
  const height = 72;
  const raw = Buffer.alloc(width * height * 3);
  let seed = i * 2654435761;
  for (let p = 0; p < width * height; p++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const x = p % width;
    const y = Math.floor(p / width);
    raw[p * 3] = (x * 2 + (i % 97)) & 255;
    raw[p * 3 + 1] = (y * 3 + ((i >> 3) % 89)) & 255;
    raw[p * 3 + 2] = ((x ^ y) + (seed >>> 28) * 8) & 255;
  }
  const img = sharp(raw, { raw: { width, height, channels: 3 } });
  return i % 2 === 0 ? img.jpeg({ quality: 80 }).toBuffer() : img.png({ compressionLevel: 6 }).toBuffer();
}

async function loadImages(count: number): Promise<Buffer[]> {
  const dir = join(tmpdir(), 'align-bench-images-v1');
  mkdirSync(dir, { recursive: true });
  const out: Buffer[] = new Array(count);
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const path = join(dir, `${i}`);
      if (existsSync(path)) out[i] = readFileSync(path);
      else {
        out[i] = await makeImage(i);
        writeFileSync(path, out[i]!);
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, work));
  return out;
}

/** One host of the generated site: / links to every page; each page links to the next few and shows its images. */
function siteHandler(hostIndex: number, images: Buffer[]): Parameters<typeof createServer>[1] {
  const pagesPerHost = PAGES / HOSTS;
  const imagesPerPage = IMAGES / PAGES;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/') {
      const all = Array.from({ length: pagesPerHost }, (_, n) => `<a href="/p${n}">${n}</a>`);
      res.writeHead(200, { 'content-type': 'text/html' }).end(all.join(''));
      return;
    }
    const page = /^\/p(\d+)$/.exec(path);
    if (page) {
      const n = Number(page[1]);
      const links = Array.from({ length: LINKS_PER_PAGE }, (_, k) => `<a href="/p${(n + k + 1) % pagesPerHost}">next ${k}</a>`);
      const imgs = Array.from({ length: imagesPerPage }, (_, k) => {
        const id = (hostIndex * pagesPerHost + n) * imagesPerPage + k;
        return `<img src="/img/${id}.${id % 2 === 0 ? 'jpg' : 'png'}" alt="photo number ${id} of the generated site">`;
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<html><body><h1>Page ${n}</h1>${links.join('')}${imgs.join('')}</body></html>`);
      return;
    }
    const img = /^\/img\/(\d+)\.(jpg|png)$/.exec(path);
    if (img && images[Number(img[1])]) {
      res.writeHead(200, { 'content-type': img[2] === 'jpg' ? 'image/jpeg' : 'image/png' }).end(images[Number(img[1])]);
      return;
    }
    res.writeHead(404).end();
  };
}

/** The frontier host: / links to hubs, each hub links to HUB_LINKS leaves. */
function frontierHandler(): Parameters<typeof createServer>[1] {
  const hubs = FRONTIER / HUB_LINKS;
  return (req, res) => {
    const path = req.url ?? '/';
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(Array.from({ length: hubs }, (_, h) => `<a href="/hub${h}">hub</a>`).join(''));
      return;
    }
    const hub = /^\/hub(\d+)$/.exec(path);
    if (hub) {
      const h = Number(hub[1]);
      const body = Array.from({ length: HUB_LINKS }, (_, k) => `<a href="/leaf/${h}/${k}?session=none">${k}</a>`).join('\n');
      res.writeHead(200, { 'content-type': 'text/html' }).end(body);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>leaf</p>');
  };
}

async function listen(handler: Parameters<typeof createServer>[1], host: string): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, origin: `http://${host}:${(server.address() as AddressInfo).port}` };
}

function runWorker(config: Record<string, unknown>): Promise<WorkerResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'align-bench-crawl-'));
  const child = fork(new URL('./crawl-worker.ts', import.meta.url), [JSON.stringify({ dataDir, config })], {
    // BENCH_CPU_PROF=dir writes a .cpuprofile of each crawl there (for finding the hot path).
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (m) => resolve(m as WorkerResult));
    child.on('exit', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`crawl worker exited ${code}`));
    });
  });
}

async function main(): Promise<void> {
  console.log(`crawl bench${small ? ' (--small)' : ''}: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  let t = Date.now();
  const images = await loadImages(IMAGES);
  console.log(`images ready: ${IMAGES} (${Math.round(images.reduce((a, b) => a + b.length, 0) / IMAGES)} bytes each on average) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const site = await Promise.all(Array.from({ length: HOSTS }, (_, i) => listen(siteHandler(i, images), `127.0.0.${11 + i}`)));
  const frontier = await listen(frontierHandler(), '127.0.0.19');
  const fast = { perHostConcurrency: 8, globalConcurrency: 64, maxDepth: 1_000_000, minDelayMs: 0 };

  t = Date.now();
  const a = await runWorker({ ...fast, seeds: site.map((s) => `${s.origin}/`) });
  const s = a.summary;
  console.log(`\n1. generated site: ${HOSTS} hosts, ${PAGES} pages, ${IMAGES} images`);
  console.log(`   fetched ${s.pagesFetched} pages, ${s.imagesFetched} images, ${s.pairsFound} pairs; failures: pages ${s.pagesFailed}, images ${s.imagesFailed}`);
  console.log(`   pages/s ${(Number(s.pagesFetched) / a.seconds).toFixed(1)}   images/s ${(Number(s.imagesFetched) / a.seconds).toFixed(1)}   (${a.seconds.toFixed(1)} s)`);
  console.log(`   crawler CPU ${a.cpuSeconds.toFixed(1)} s (all threads): ${((1000 * a.cpuSeconds) / (Number(s.pagesFetched) + Number(s.imagesFetched))).toFixed(2)} ms per page or image`);
  console.log(`   peak RSS ${(a.maxRssKb / 1024).toFixed(0)} MB   goal: >= 200 pages/s and >= 300 images/s on 2 cores`);

  const budget = 1 + FRONTIER / HUB_LINKS + 200;
  const b = await runWorker({ ...fast, seeds: [`${frontier.origin}/`], maxPages: budget });
  console.log(`\n2. frontier: ${FRONTIER} URLs queued from ${FRONTIER / HUB_LINKS} hub pages, ${budget} pages fetched`);
  console.log(`   frontier left queued: ${b.summary.queuedPages}   peak RSS ${(b.maxRssKb / 1024).toFixed(0)} MB   goal: < 300 MB`);
  console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await Promise.all([...site, frontier].map(({ server }) => new Promise((r) => server.close(r))));
  process.exit(0);
}

await main();
