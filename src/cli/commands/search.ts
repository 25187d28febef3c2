import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { usageError } from '../../errors.js';
import { parseQueries, type SearchQuery } from '../../stages/retrieval/queries.js';
import type { SearchOptions, SearchResult } from '../../stages/retrieval/search.js';
import type { CommandDef } from '../command.js';
import { intFlag, numberFlag } from '../flags.js';

export const searchCommand: CommandDef = {
  command: 'search',
  describe: "Text→image, image→image and composed image+text queries against a run's index",
  lock: false,
  options: (y) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'Run directory of `align-data train`' })
      .option('index', { type: 'string', describe: 'Index file (default: RUN/index.sqlite)' })
      .option('text', { type: 'string', describe: 'Text query (with --image: added to it, ALIGN\'s composed query)' })
      .option('image', { type: 'string', describe: 'Image file query' })
      .option('minus-text', { type: 'string', describe: 'With --image: subtract this text instead ("without the snow")' })
      .option('queries', { type: 'string', describe: 'File of queries, one a line: JSON {"text","image","minusText"} or plain text; JSON lines out' })
      .option('k', { type: 'number', default: 10, describe: 'Results per query' })
      .option('text-weight', { type: 'number', default: 2, describe: 'w in normalise(normalise(img) + w·normalise(txt))' })
      .option('to', { choices: ['image', 'caption'] as const, default: 'image', describe: 'Search the image vectors or the caption vectors' })
      .option('fast', { type: 'boolean', default: false, describe: 'Binary-quantised first pass, rescored exactly (large indexes)' })
      .option('candidates', { type: 'number', default: 200, describe: 'With --fast: how many the first pass keeps' })
      .option('html', { type: 'string', describe: 'Also write a contact sheet of the results (thumbnails from the shards)' })
      .example('$0 search --run data/runs/default --text "a red circle" --json', 'text→image')
      .example('$0 search --run data/runs/default --image cat.jpg --text "in the snow"', 'composed query'),
  async run(args, ctx) {
    const { queries, options } = parseSearchFlags(args);
    const { runSearch } = await import('../../stages/retrieval/search.js');
    const { writeContactSheet } = await import('../../stages/retrieval/contact-sheet.js');
    const { openRun } = await import('../../stages/train/index.js');
    const run = await openRun(String(args.run), ctx, loadConfig(args.config).train.backend);
    try {
      const results = await runSearch(run, queries, options);
      if (args.html) await writeContactSheet(String(args.html), results);
      const lines = results.map((r) => JSON.stringify(r)).join('\n') + '\n';
      if (!args.queries && results[0]?.error) throw usageError(`--image: ${results[0].error}`);
      if (args.queries) return { summary: { queries: results.length }, jsonLines: results, text: lines };
      return { summary: { ...(results[0] as SearchResult) }, text: formatResults(results[0] as SearchResult) };
    } finally {
      run.dispose();
    }
  },
};

function parseSearchFlags(args: Record<string, unknown>): { queries: SearchQuery[]; options: SearchOptions } {
  const k = intFlag(args, 'k', '--k', 1, 4096) ?? 10;
  const textWeight = numberFlag(args, 'textWeight', '--text-weight') ?? 2;
  const candidates = intFlag(args, 'candidates', '--candidates', 1, 4096) ?? 200;
  const [text, image, minus, file] = [args.text, args.image, args.minusText, args.queries].map((v) => (v === undefined ? undefined : String(v)));
  if (file !== undefined && (text ?? image ?? minus) !== undefined) throw usageError('--queries: give either a file of queries or --text/--image, not both');
  if (file === undefined && text === undefined && image === undefined) throw usageError('search needs --text, --image, or --queries FILE');
  if (minus !== undefined && (image === undefined || text !== undefined)) throw usageError('--minus-text: goes with --image and without --text');
  if (image !== undefined && !existsSync(image)) throw usageError(`--image: ${image} does not exist`);
  let queries: SearchQuery[];
  if (file !== undefined) queries = parseQueryFile(file);
  else queries = [{ ...(text !== undefined && { text }), ...(image !== undefined && { image }), ...(minus !== undefined && { minusText: minus }) }];
  const indexPath = String(args.index ?? join(String(args.run), 'index.sqlite'));
  const options: SearchOptions = { indexPath, k, textWeight, target: args.to === 'caption' ? 'text' : 'image', ...(args.fast ? { fast: { candidates } } : {}) };
  return { queries, options };
}

function parseQueryFile(file: string): SearchQuery[] {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch {
    throw usageError(`--queries: cannot read ${file}`);
  }
  return parseQueries(content, file);
}

function formatResults(r: SearchResult): string {
  const head = r.error ? `search: ${r.error}\n` : '';
  return head + r.results.map((h) => `${String(h.rank).padStart(3)}  ${h.score.toFixed(3)}  ${h.key}  ${h.caption}`).join('\n') + '\n';
}
