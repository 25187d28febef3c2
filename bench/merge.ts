/**
 * bench/merge: `merge` of 4 partition stores (a synthetic crawl of 4 × N pairs split by host
 * ownership, the way 4 partitioned crawls would have written it: each partition holds its own
 * hosts' pages and images and 'handover' rows for images on other hosts), then the filter on
 * the merged store against the filter on the one store it was split from, side by side.
 *
 *   npx tsx bench/merge.ts [--pairs-per-partition N] [--once]
 *
 * Prints the merge rate (pairs/s), peak RSS, and filter seconds merged vs single, with both
 * kept totals (`--once`: merge once, without the merge-again and `--full` runs, for the biggest
 * sizes). Image files are not generated: merge skips their
 * links (imagesMissing), so this measures the store work.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilterConfigSchema } from '../src/config/filter.js';
import { openStore } from '../src/store/db.js';
import { registerHostPartition } from '../src/store/merge.js';
import { writePartitionMeta } from '../src/store/partition.js';
import { runFilter } from '../src/stages/filter/index.js';
import { runMerge } from '../src/stages/merge/index.js';
import { makeContext } from '../src/util/context.js';
import { buildSyntheticStore } from './filter-data.js';

const { values } = parseArgs({ options: { 'pairs-per-partition': { type: 'string', default: '50000' }, once: { type: 'boolean', default: false } } });
const perPart = Number(values['pairs-per-partition']);
const N = 4;
const root = mkdtempSync(join(tmpdir(), 'align-bench-merge-'));
/**
 * Peak RSS (MB) since the last resetPeak(): Linux's VmHWM, which writing 5 to clear_refs resets,
 * so the merge and each filter show their own peak, not the generator's. Elsewhere the process's.
 */
const rssMb = (): number => {
  const hwm = existsSync('/proc/self/status') ? /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8')) : null;
  return Math.round((hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024);
};
const resetPeak = (): void => {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the peak stays the process's
  }
};
/** The store's size on disk (with its WAL), MB. */
const storeMb = (dir: string): number =>
  ['align.db', 'align.db-wal'].map((f) => join(dir, f)).filter((f) => existsSync(f)).reduce((s, f) => s + statSync(f).size, 0) / 2 ** 20;
const seconds = async <T>(fn: () => T | Promise<T>): Promise<[number, T]> => {
  const t = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e9, r];
};

/** Partition p of the single store: its hosts' pages, images and blobs, their pairs, 'handover' rows for other hosts' images. */
function split(single: string, dir: string, p: number): void {
  const db = openStore(dir);
  registerHostPartition(db);
  db.pragma('synchronous = OFF');
  writePartitionMeta(db, { index: p, count: N, source: 'flag' }, Date.now());
  db.prepare('ATTACH DATABASE ? AS s').run(join(single, 'align.db'));
  const mine = (col: string): string => `align_part(${col}, ${N}) = ${p}`;
  db.transaction(() => {
    db.exec(`
      INSERT INTO pages SELECT * FROM s.pages WHERE ${mine('host')};
      INSERT INTO blobs SELECT * FROM s.blobs WHERE sha256 IN (SELECT sha256 FROM s.images WHERE ${mine('host')} AND sha256 IS NOT NULL);
      INSERT INTO images SELECT * FROM s.images WHERE ${mine('host')};
      INSERT INTO images (url, host, status, discovered_at)
        SELECT url, host, 'handover', discovered_at FROM s.images WHERE NOT ${mine('host')} AND id IN
          (SELECT pr.image_id FROM s.pairs pr JOIN s.pages pg ON pg.id = pr.page_id WHERE ${mine('pg.host')});
      INSERT INTO pairs (page_id, image_id, alt_raw, alt_norm, alt_key, word_count, found_at)
        SELECT pr.page_id, mi.id, pr.alt_raw, pr.alt_norm, pr.alt_key, pr.word_count, pr.found_at
        FROM s.pairs pr JOIN s.pages pg ON pg.id = pr.page_id JOIN s.images si ON si.id = pr.image_id
        JOIN main.images mi ON mi.url = si.url WHERE ${mine('pg.host')} ORDER BY pr.id;`);
  })();
  db.exec('DETACH DATABASE s');
  db.close();
}

/** Merging the same partitions again: skipped as unchanged, then with --full (adds nothing). */
async function mergeAgain(merged: string, parts: string[]): Promise<void> {
  const [againS, again] = await seconds(() => runMerge({ into: merged, dirs: parts, copyImages: false }, makeContext(merged)));
  console.log(`  merge again  ${againS.toFixed(2).padStart(7)} s  ${again.unchanged} partitions unchanged, skipped`);
  const [fullS, full] = await seconds(() => runMerge({ into: merged, dirs: parts, copyImages: false, full: true }, makeContext(merged)));
  console.log(`  merge --full ${fullS.toFixed(2).padStart(7)} s  added ${JSON.stringify(full.added)} (idempotent)`);
}

async function main(): Promise<void> {
  const single = join(root, 'single');
  const total = perPart * N;
  console.log(`bench/merge: ${N} partitions x ${perPart.toLocaleString('en-US')} pairs (${total.toLocaleString('en-US')} in all) in ${root}`);
  const [gen] = await seconds(() => buildSyntheticStore(single, { pairs: total, images: total / 2, pages: total / 10, hosts: 2000, vocabulary: 50_000 }));
  const parts = Array.from({ length: N }, (_, p) => join(root, `part-${p}`));
  const [splitS] = await seconds(() => parts.forEach((dir, p) => split(single, dir, p)));
  console.log(`  generated ${gen.toFixed(1)} s, split ${splitS.toFixed(1)} s (peak RSS so far ${rssMb()} MB)`);
  const merged = join(root, 'merged');
  resetPeak();
  const [mergeS, summary] = await seconds(() => runMerge({ into: merged, dirs: parts, copyImages: false }, makeContext(merged)));
  console.log(`  merge        ${mergeS.toFixed(2).padStart(7)} s  ${Math.round(summary.added.pairs / mergeS).toLocaleString('en-US')} pairs/s  added ${JSON.stringify(summary.added)}  handed over ${summary.handedOver}  (peak RSS ${rssMb()} MB)`);
  const partMb = parts.map(storeMb);
  console.log(`  store sizes: partitions ${partMb.map((m) => m.toFixed(1)).join(', ')} MB; merged ${storeMb(merged).toFixed(1)} MB (${Math.round((storeMb(merged) * 2 ** 20) / total)} bytes/pair)`);
  if (!values.once) await mergeAgain(merged, parts);
  const config = FilterConfigSchema.parse({});
  resetPeak();
  const [fSingle, a] = await seconds(() => runFilter(config, makeContext(single)));
  console.log(`  filter single ${fSingle.toFixed(2).padStart(7)} s  kept ${a.kept}  (peak RSS ${rssMb()} MB)`);
  resetPeak();
  const [fMerged, b] = await seconds(() => runFilter(config, makeContext(merged)));
  console.log(`  filter merged ${fMerged.toFixed(2).padStart(7)} s  kept ${b.kept}  ratio merged/single ${(fMerged / fSingle).toFixed(2)}  (peak RSS ${rssMb()} MB)`);
  // Identical pairs (same image, same alt) are one sample whose source is the lowest pair id: the
  // merged store numbers pairs partition by partition, so where the copies differ in a page-level
  // reason (an opted-out page), another copy is the source and the kept count may differ by a few.
  if (a.kept !== b.kept) console.log(`  kept differs by ${b.kept - a.kept}: duplicate pairs whose source copy changed with the pair order`);
}

main().finally(() => rmSync(root, { recursive: true, force: true }));
