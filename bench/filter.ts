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
async function time<T>(fn: () => T | Promise<T>): Promise<[number, T]> {
  const t = process.hrtime.bigint();
  const result = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e9, result];
}

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
    console.log(`  generated in ${s.toFixed(1)} s: ${JSON.stringify(counts)}  (peak RSS so far ${rssMb()} MB)`);
  }
  const db = openStore(dataDir);
  db.pragma('cache_size = -65536'); // the same page cache the filter stage uses
  db.pragma('temp_store = FILE');
  db.prepare('DELETE FROM decisions').run(); // a rerun of the bench starts from no decisions
  db.prepare('SELECT count(*), sum(length(alt_key)) FROM pairs').get(); // warm the OS cache for both sides
  const bare: Record<string, number> = {};
  for (const [name, sql] of BARE) {
    [bare[name]] = await time(() => db.prepare(sql).pluck().get());
    console.log(`  bare SQL ${name.padEnd(18)} ${bare[name]!.toFixed(2)} s`);
  }
  db.close();
  const rssBeforeFilter = rssMb();
  const ctx = makeContext(dataDir);
  const defaults = FilterConfigSchema.parse({});
  const [first, summary] = await time(() => runFilter(defaults, ctx));
  console.log(`  runFilter (defaults)        ${first.toFixed(2)} s  kept ${summary.kept} of ${summary.pairs}; rare tokens ${summary.filters['rare-tokens']!.active ? 'counted' : 'skipped (K ≥ distinct tokens)'}`);
  const [again, rerun] = await time(() => runFilter(defaults, ctx));
  console.log(`  runFilter again (no change) ${again.toFixed(2)} s  changed ${rerun.changed}`);
  const forced = FilterConfigSchema.parse({ rareTokens: { topK: 100_000 } });
  const [withTokens, s3] = await time(() => runFilter(forced, ctx));
  console.log(`  runFilter (topK 100,000)    ${withTokens.toFixed(2)} s  kept ${s3.kept}; ${s3.tokens?.distinctTokens} distinct tokens in ${s3.tokens?.sweeps} sweeps; changed ${s3.changed}`);
  const countsOnly = bare['images per alt']! + bare['alts per image']!;
  const all = countsOnly + bare['token frequencies']!;
  console.log('results');
  console.log(`  ratio runFilter (defaults) / bare images+alts counts      ${(first / countsOnly).toFixed(2)}  (goal ≤ 3)`);
  console.log(`  ratio runFilter (defaults) / bare counts incl. tokens     ${(first / all).toFixed(2)}`);
  console.log(`  ratio runFilter (topK 100,000) / bare counts incl. tokens ${(withTokens / all).toFixed(2)}  (goal ≤ 3)`);
  console.log(`  peak RSS ${rssMb()} MB (before filter ${rssBeforeFilter} MB; goal < 500 MB); filter under 60 s: ${Math.max(first, withTokens) < 60 ? 'yes' : 'no'}`);
  if (!values.store) rmSync(dataDir, { recursive: true, force: true });
}

await main();
