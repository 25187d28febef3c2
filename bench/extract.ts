/**
 * Extraction throughput over the real corpus pages, against a bare htmlparser2 parse of the same
 * strings in the same run (same parser options). Rounds alternate the contenders so machine load
 * hits both alike; the ratio uses each contender's best round.
 *
 *   npx tsx bench/extract.ts [rounds]
 *
 * Prints MB/s for each, the ratio extract / bare (goal ≥ 0.6), and peak RSS.
 * Two baselines: "bare" registers the same callbacks extraction uses, as no-ops (the parser does
 * the same work, our code does none); "bare-none" registers no callback at all (the floor).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, type Handler } from 'htmlparser2';
import { extractPage } from '../src/html/extract.js';
import { corpusDir, corpusManifest } from '../src/util/corpus.js';

const PARSER_OPTIONS = { decodeEntities: true } as const;
const rounds = Number(process.argv[2] ?? 7);

const dir = corpusDir();
const pages = corpusManifest()
  .filter((entry) => entry.kind === 'page')
  .map((entry) => ({
    html: readFileSync(join(dir, entry.path), 'utf8'),
    url: `http://fakehost/${entry.path.replace(/^pages\//, '')}`,
  }));
const totalMB = pages.reduce((sum, page) => sum + Buffer.byteLength(page.html), 0) / 1e6;

const noop = (): void => {};
const sameCallbacks: Partial<Handler> = { onopentagname: noop, onattribute: noop, onclosetag: noop, onend: noop };

let sink = 0; // results feed this so nothing is optimised away

const contenders: Record<string, () => void> = {
  extract: () => {
    for (const page of pages) {
      const result = extractPage(page.html, page.url);
      sink += result.pairs.length + result.links.length;
    }
  },
  bare: () => {
    for (const page of pages) new Parser(sameCallbacks, PARSER_OPTIONS).end(page.html);
    sink++;
  },
  'bare-none': () => {
    for (const page of pages) new Parser({}, PARSER_OPTIONS).end(page.html);
    sink++;
  },
};

const best: Record<string, number> = {};
for (const fn of Object.values(contenders)) fn(); // warm up the JIT on every path
for (let round = 0; round < rounds; round++) {
  for (const [name, fn] of Object.entries(contenders)) {
    const start = process.hrtime.bigint();
    fn();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best[name] = Math.min(best[name] ?? Infinity, seconds);
  }
}

const rate = (name: string): number => totalMB / best[name]!;
console.log(`corpus: ${pages.length} pages, ${totalMB.toFixed(2)} MB; ${rounds} rounds, best round each`);
for (const name of Object.keys(contenders)) {
  console.log(`${name.padEnd(10)} ${rate(name).toFixed(1).padStart(7)} MB/s  (${(best[name]! * 1000).toFixed(1)} ms a pass)`);
}
console.log(`ratio extract/bare      ${(rate('extract') / rate('bare')).toFixed(3)}  (goal >= 0.6)`);
console.log(`ratio extract/bare-none ${(rate('extract') / rate('bare-none')).toFixed(3)}`);
console.log(`peak RSS ${process.resourceUsage().maxRSS} KB`);
if (sink < 0) console.log(sink);
