/**
 * bench/filter: `runFilter` on generated stores of 1,000,000 and 10,000,000 pairs (half as many
 * images), against the bare SQL count queries ALIGN's rules need, side by side on the same store,
 * and the filter's peak RSS at each size.
 *
 *   npx tsx bench/filter.ts [--sizes 1000000,10000000] [--store-root DIR] [--full-max N]
 *
 * --store-root DIR keeps each generated store in DIR/pairs-N and reuses it on the next run
 * (generating 10M pairs takes minutes). Every measurement runs in a child process of its own, so
 * each peak RSS is that run's alone (a process's peak only grows), not the generator's.
 *
 * Ratios compare like with like: a run that counted tokens is divided by the bare counts plus the
 * bare token frequencies per pair (each token once per pair that holds it, as the filter counts),
 * a run that skipped the count by the bare images-per-alt + alts-per-image counts only.
 * - headline: runFilter with ALIGN's defaults. With K = 100,000,000 it skips the token count when
 *   the store's upper bound on distinct tokens (Σ 2w - 1 over distinct alts) is at most K: true at
 *   1M pairs, not at 10M (the bound passes 100M there, though the real count is about 14.5M).
 * - tokens: runFilter with topK 100,000, where the token count always runs.
 * Goals: ratios ≤ 3; peak RSS under 500 MB and not growing from 1M to 10M pairs.
 *
 * Above --full-max pairs (default 1,000,000) the bare token query and the no-change rerun are
 * skipped: on a shared 2-core machine the bare token query alone takes longer at 10M than all the
 * rest, and neither is needed for the peak RSS or the headline ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FilterConfigSchema } from '../src/config/filter.js';
import { openStore } from '../src/store/db.js';
import { runFilter } from '../src/stages/filter/index.js';
import { makeContext } from '../src/util/context.js';
import { buildSyntheticStore } from './filter-data.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,10000000' },
    'store-root': { type: 'string' },
    'full-max': { type: 'string', default: '1000000' },
    child: { type: 'string' },
    store: { type: 'string' },
    pairs: { type: 'string' },
  },
});

interface Timing {
  wall: number;
  cpu: number;
}
/** What a child reports: timings by name, facts, and its peak RSS. */
interface ChildResult {
  timings: Record<string, Timing>;
  facts: Record<string, number | string>;
  rssMb: number;
}

const rssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
async function time<T>(fn: () => T | Promise<T>): Promise<[Timing, T]> {
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  const result = await fn();
  const cpu = process.cpuUsage(c);
  return [{ wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: (cpu.user + cpu.system) / 1e6 }, result];
}
const fmt = (t: Timing): string => `${t.wall.toFixed(2).padStart(7)} s (cpu ${t.cpu.toFixed(2).padStart(7)} s)`;
const sum = (...ts: Timing[]): Timing => ({ wall: ts.reduce((s, t) => s + t.wall, 0), cpu: ts.reduce((s, t) => s + t.cpu, 0) });
const ratio = (a: Timing, b: Timing): string => `${(a.wall / b.wall).toFixed(2)} wall, ${(a.cpu / b.cpu).toFixed(2)} cpu`;
const count = (n: number): string => n.toLocaleString('en-US');

const BARE: [string, string][] = [
  ['images per alt', `SELECT count(*) FROM (SELECT p.alt_key, count(DISTINCT i.sha256) FROM pairs p
     JOIN images i ON i.id = p.image_id WHERE i.status = 'ok' GROUP BY p.alt_key)`],
  ['alts per image', `SELECT count(*) FROM (SELECT i.sha256, count(DISTINCT p.alt_key) FROM pairs p
     JOIN images i ON i.id = p.image_id WHERE i.status = 'ok' GROUP BY i.sha256)`],
  // Unigrams and bigrams of every pair's alt, by a recursive split on spaces; a token counts once
  // per pair that holds it (count DISTINCT pair), as the rule counts.
  ['tokens per pair', `WITH RECURSIVE w(pair, rest, word, prev) AS (
       SELECT p.id, p.alt_key || ' ', NULL, NULL FROM pairs p JOIN images i ON i.id = p.image_id WHERE i.status = 'ok'
       UNION ALL
       SELECT pair, substr(rest, instr(rest, ' ') + 1), substr(rest, 1, instr(rest, ' ') - 1), word FROM w WHERE rest <> ''),
     t(pair, token) AS (SELECT pair, word FROM w WHERE word IS NOT NULL UNION ALL SELECT pair, prev || ' ' || word FROM w WHERE prev IS NOT NULL)
     SELECT count(*) FROM (SELECT token, count(DISTINCT pair) FROM t GROUP BY token)`],
];

/** The children: each does one thing to the store and reports on stdout as JSON. */
const CHILDREN: Record<string, (dataDir: string, pairs: number) => Promise<Omit<ChildResult, 'rssMb'>>> = {
  async generate(dataDir, pairs) {
    const [t, counts] = await time(() => buildSyntheticStore(dataDir, { pairs, images: pairs / 2, pages: Math.max(10, pairs / 10), hosts: 2000, vocabulary: 50_000 }));
    return { timings: { generate: t }, facts: counts };
  },
  async bare(dataDir, pairs) {
    const db = openStore(dataDir);
    db.pragma('cache_size = -65536'); // the same page cache the filter stage uses
    db.pragma('temp_store = FILE');
    db.prepare('DELETE FROM decisions').run(); // a rerun of the bench starts from no decisions
    db.prepare('SELECT count(*), sum(length(alt_key)) FROM pairs').get(); // warm the OS cache for both sides
    const timings: Record<string, Timing> = {};
    for (const [name, sql] of BARE.filter(([name]) => name !== 'tokens per pair' || pairs <= Number(values['full-max']))) {
      [timings[name]] = await time(() => db.prepare(sql).pluck().get());
      console.error(`    bare SQL ${name.padEnd(16)} ${fmt(timings[name]!)}`);
    }
    db.close();
    return { timings, facts: {} };
  },
  'filter-defaults': (dataDir) => filterRun(dataDir, {}),
  'filter-again': (dataDir) => filterRun(dataDir, {}),
  'filter-tokens': (dataDir) => filterRun(dataDir, { rareTokens: { topK: 100_000 } }),
};

async function filterRun(dataDir: string, config: unknown): Promise<Omit<ChildResult, 'rssMb'>> {
  const [t, s] = await time(() => runFilter(FilterConfigSchema.parse(config), makeContext(dataDir)));
  const tokens = s.tokens ? `${count(s.tokens.distinctTokens)} distinct tokens in ${s.tokens.sweeps} sweeps` : 'skipped (K ≥ distinct tokens)';
  return { timings: { filter: t }, facts: { kept: s.kept, pairs: s.pairs, changed: s.changed, tokens } };
}

function runChild(kind: string, dataDir: string, pairs: number): ChildResult {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [...process.execArgv, script, '--child', kind, '--store', dataDir, '--pairs', String(pairs), '--full-max', values['full-max']], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`bench child ${kind} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

interface SizeResult {
  pairs: number;
  bare: ChildResult;
  runs: Partial<Record<'filter-defaults' | 'filter-again' | 'filter-tokens', ChildResult>>;
}

function benchSize(pairs: number, root: string): SizeResult {
  const dataDir = join(root, `pairs-${pairs}`);
  console.log(`bench/filter: ${count(pairs)} pairs over ${count(pairs / 2)} images in ${dataDir}`);
  if (!existsSync(join(dataDir, 'align.db'))) {
    const g = runChild('generate', dataDir, pairs);
    console.log(`  generated in ${g.timings.generate!.wall.toFixed(1)} s: ${JSON.stringify(g.facts)} (generator peak RSS ${g.rssMb} MB)`);
  }
  const bare = runChild('bare', dataDir, pairs);
  const runs = {} as SizeResult['runs'];
  const full = pairs <= Number(values['full-max']);
  for (const kind of ['filter-defaults', 'filter-again', 'filter-tokens'] as const) {
    if (kind === 'filter-again' && !full) continue;
    const run = (runs[kind] = runChild(kind, dataDir, pairs));
    const f = run.facts;
    console.log(`  runFilter ${kind.slice(7).padEnd(9)} ${fmt(run.timings.filter!)}  peak RSS ${run.rssMb} MB; kept ${f.kept} of ${f.pairs}, changed ${f.changed}; rare tokens ${f.tokens}`);
  }
  return { pairs, bare, runs };
}

function printResults(results: SizeResult[]): void {
  const col = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(56) : c.padStart(36))).join('');
  console.log('results (goals: ratios ≤ 3; peak RSS under 500 MB and flat from 1M to 10M pairs)');
  console.log(col(['', ...results.map((r) => `${count(r.pairs)} pairs`)]));
  const row = (label: string, cell: (r: SizeResult) => string): void => console.log(col([`  ${label}`, ...results.map(cell)]));
  const counts = (r: SizeResult): Timing => sum(r.bare.timings['images per alt']!, r.bare.timings['alts per image']!);
  const bareTokens = (r: SizeResult): Timing | undefined => r.bare.timings['tokens per pair'];
  const rss = (run: ChildResult | undefined): string => (run ? `${run.rssMb} MB` : 'skipped');
  // Like with like: the bare token query joins the denominator exactly when the run counted tokens.
  const over = (r: SizeResult, run: ChildResult | undefined): string => {
    if (!run) return 'skipped';
    const counted = !String(run.facts.tokens).startsWith('skipped');
    const t = bareTokens(r);
    if (counted && !t) return 'n/a: no bare token query';
    return `${ratio(run.timings.filter!, counted ? sum(counts(r), t!) : counts(r))} (${counted ? 'ipa+api+tok' : 'ipa+api'})`;
  };
  row('peak RSS, runFilter (defaults)', (r) => rss(r.runs['filter-defaults']));
  row('peak RSS, runFilter again (no change)', (r) => rss(r.runs['filter-again']));
  row('peak RSS, runFilter (topK 100,000: tokens counted)', (r) => rss(r.runs['filter-tokens']));
  row('HEADLINE runFilter (defaults) / bare', (r) => over(r, r.runs['filter-defaults']));
  row('runFilter again / bare', (r) => over(r, r.runs['filter-again']));
  row('runFilter (topK 100,000) / bare', (r) => over(r, r.runs['filter-tokens']));
  console.log('  (bare: ipa images per alt, api alts per image, tok token frequencies per pair; wall and cpu ratios, cpu steadier on a shared machine)');
}

async function main(): Promise<void> {
  if (values.child) {
    const result = await CHILDREN[values.child]!(values.store!, Number(values.pairs));
    console.log(JSON.stringify({ ...result, rssMb: rssMb() }));
    return;
  }
  const root = values['store-root'] ?? mkdtempSync(join(tmpdir(), 'align-bench-filter-'));
  const results = values.sizes.split(',').map((s) => benchSize(Number(s), root));
  printResults(results);
  if (!values['store-root']) rmSync(root, { recursive: true, force: true });
}

await main();
