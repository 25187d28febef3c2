/**
 * bench/filter: `runFilter` on a generated store of 1,000,000 pairs over 500,000 images, against
 * the bare SQL count queries ALIGN's rules need (images per alt, alts per image, token
 * frequencies), run side by side on the same store in one process.
 *
 *   npx tsx bench/filter.ts [--pairs N] [--images N] [--store DIR]
 *
 * --store DIR keeps the generated store there and reuses it on the next run (generation takes a
 * while). Prints seconds, the ratio filter / bare counts (goal ≤ 3) and peak RSS (goal < 500 MB).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilterConfigSchema } from '../src/config/filter.js';
import { openStore } from '../src/store/db.js';
import { runFilter } from '../src/stages/filter/index.js';
import { makeContext } from '../src/util/context.js';
import { buildSyntheticStore } from './filter-data.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '1000000' },
    images: { type: 'string', default: '500000' },
    store: { type: 'string' },
  },
});
const pairs = Number(values.pairs);
const images = Number(values.images);
const dataDir = values.store ?? mkdtempSync(join(tmpdir(), 'align-bench-filter-'));

const rssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
/** Wall and CPU seconds of `fn`: on a shared machine the CPU figures are the steadier ones. */
interface Timing {
  wall: number;
  cpu: number;
}
async function time<T>(fn: () => T | Promise<T>): Promise<[Timing, T]> {
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  const result = await fn();
  const cpu = process.cpuUsage(c);
  return [{ wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: (cpu.user + cpu.system) / 1e6 }, result];
}
const fmt = (t: Timing): string => `${t.wall.toFixed(2).padStart(6)} s (cpu ${t.cpu.toFixed(2).padStart(6)} s)`;
const sum = (...ts: Timing[]): Timing => ({ wall: ts.reduce((s, t) => s + t.wall, 0), cpu: ts.reduce((s, t) => s + t.cpu, 0) });
const ratio = (a: Timing, b: Timing): string => `${(a.wall / b.wall).toFixed(2)} wall, ${(a.cpu / b.cpu).toFixed(2)} cpu`;

const BARE: [string, string][] = [
  ['images per alt', `SELECT count(*) FROM (SELECT p.alt_key, count(DISTINCT i.sha256) FROM pairs p
     JOIN images i ON i.id = p.image_id WHERE i.status = 'ok' GROUP BY p.alt_key)`],
  ['alts per image', `SELECT count(*) FROM (SELECT i.sha256, count(DISTINCT p.alt_key) FROM pairs p
     JOIN images i ON i.id = p.image_id WHERE i.status = 'ok' GROUP BY i.sha256)`],
  // Unigrams and bigrams of every alt, by a recursive split on spaces, then grouped.
  ['token frequencies', `WITH RECURSIVE w(rest, word, prev) AS (
       SELECT p.alt_key || ' ', NULL, NULL FROM pairs p JOIN images i ON i.id = p.image_id WHERE i.status = 'ok'
       UNION ALL
       SELECT substr(rest, instr(rest, ' ') + 1), substr(rest, 1, instr(rest, ' ') - 1), word FROM w WHERE rest <> ''),
     t(token) AS (SELECT word FROM w WHERE word IS NOT NULL UNION ALL SELECT prev || ' ' || word FROM w WHERE prev IS NOT NULL)
     SELECT count(*) FROM (SELECT token, count(*) FROM t GROUP BY token)`],
];

async function main(): Promise<void> {
  console.log(`bench/filter: ${pairs.toLocaleString('en-US')} pairs over ${images.toLocaleString('en-US')} images in ${dataDir}`);
  if (!existsSync(join(dataDir, 'align.db'))) {
    const [s, counts] = await time(() =>
      buildSyntheticStore(dataDir, { pairs, images, pages: Math.max(10, pairs / 10), hosts: 2000, vocabulary: 50_000 }),
    );
    console.log(`  generated in ${s.wall.toFixed(1)} s: ${JSON.stringify(counts)}  (peak RSS so far ${rssMb()} MB)`);
  }
  const db = openStore(dataDir);
  db.pragma('cache_size = -65536'); // the same page cache the filter stage uses
  db.pragma('temp_store = FILE');
  db.prepare('DELETE FROM decisions').run(); // a rerun of the bench starts from no decisions
  db.prepare('SELECT count(*), sum(length(alt_key)) FROM pairs').get(); // warm the OS cache for both sides
  const bare: Record<string, Timing> = {};
  for (const [name, sql] of BARE) {
    [bare[name]] = await time(() => db.prepare(sql).pluck().get());
    console.log(`  bare SQL ${name.padEnd(18)}  ${fmt(bare[name]!)}`);
  }
  db.close();
  const rssBeforeFilter = rssMb();
  const ctx = makeContext(dataDir);
  const defaults = FilterConfigSchema.parse({});
  const [first, summary] = await time(() => runFilter(defaults, ctx));
  console.log(`  runFilter (defaults)         ${fmt(first)}  kept ${summary.kept} of ${summary.pairs}; rare tokens ${summary.filters['rare-tokens']!.active ? 'counted' : 'skipped (K ≥ distinct tokens)'}`);
  const [again, rerun] = await time(() => runFilter(defaults, ctx));
  console.log(`  runFilter again (no change)  ${fmt(again)}  changed ${rerun.changed}`);
  const forced = FilterConfigSchema.parse({ rareTokens: { topK: 100_000 } });
  const [withTokens, s3] = await time(() => runFilter(forced, ctx));
  console.log(`  runFilter (topK 100,000)     ${fmt(withTokens)}  kept ${s3.kept}; ${s3.tokens?.distinctTokens} distinct tokens in ${s3.tokens?.sweeps} sweeps; changed ${s3.changed}`);
  const countsOnly = sum(bare['images per alt']!, bare['alts per image']!);
  const all = sum(countsOnly, bare['token frequencies']!);
  console.log('results (goal: ratios ≤ 3, each run under 60 s, peak RSS under 500 MB)');
  console.log(`  runFilter (defaults) / bare images-per-alt + alts-per-image       ${ratio(first, countsOnly)}`);
  console.log(`  runFilter (defaults) / all three bare counts                      ${ratio(first, all)}`);
  console.log(`  runFilter (topK 100,000, tokens counted) / all three bare counts  ${ratio(withTokens, all)}`);
  console.log(`  slowest filter run ${Math.max(first.wall, withTokens.wall).toFixed(1)} s wall; peak RSS ${rssMb()} MB (${rssBeforeFilter} MB before the filter runs)`);
  if (!values.store) rmSync(dataDir, { recursive: true, force: true });
}

await main();
