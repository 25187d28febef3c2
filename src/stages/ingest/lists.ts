import { StringDecoder } from 'node:string_decoder';
import { usageError } from '../../errors.js';
import { openInput } from './open-input.js';
import { reject, rowToUnit } from './rows.js';
import { CsvParser, JsonArraySplitter } from './csv.js';
import type { InputSource, ListColumns, SourceUnit } from './types.js';

/**
 * Text lists (txt, csv, tsv, json, jsonl), streamed: rows are numbered from 0 (header and blank
 * lines not counted), and a resumed read skips the rows before `from` (parsing them again is
 * cheap next to downloading; a gzip stream cannot seek). A bad row is a reject, never a stop.
 */
export async function* readTextList(
  input: InputSource,
  from: number,
  columns: ListColumns,
  opts: { userAgent: string; signal: AbortSignal },
): AsyncGenerator<SourceUnit> {
  const { stream } = await openInput(input, 0, { gunzip: input.gzip, ...opts });
  const rows = input.format === 'json' ? jsonArrayRows(stream) : input.format === 'jsonl' ? jsonLines(stream) : delimited(input, stream, columns);
  let index = 0;
  try {
    for await (const row of rows) {
      if (index >= from) yield row(index, columns);
      index += 1;
      if (opts.signal.aborted) return;
    }
  } finally {
    stream.destroy();
  }
}

type RowMaker = (index: number, columns: ListColumns) => SourceUnit;

async function* texts(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of stream) {
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    yield text;
  }
  yield decoder.end();
}

async function* delimited(input: InputSource, stream: AsyncIterable<Buffer>, columns: ListColumns): AsyncGenerator<RowMaker> {
  if (input.format === 'txt') {
    for await (const line of lines(stream)) {
      const url = line.trim();
      if (url === '' || url.startsWith('#')) continue;
      yield (i) => rowToUnit(i, (c) => (c === columns.urlCol ? url : undefined), columns);
    }
    return;
  }
  const parser = new CsvParser(input.format === 'tsv' ? '\t' : ',');
  let header: Map<string, number> | undefined;
  const ended = async function* (): AsyncGenerator<string[][]> {
    for await (const text of texts(stream)) yield parser.push(text);
    yield parser.end();
  };
  for await (const records of ended()) {
    for (const record of records) {
      if (!header) {
        header = new Map(record.map((name, i) => [name.trim(), i]));
        checkHeader(input, header, columns);
        continue;
      }
      const h = header;
      yield (i) => rowToUnit(i, (c) => (h.has(c) ? record[h.get(c)!] : undefined), columns);
    }
  }
}

/** A list whose header lacks the URL or caption column was given the wrong flags: stop, naming them. */
export function checkHeader(input: InputSource, names: { has(name: string): boolean }, columns: ListColumns): void {
  for (const [flag, name] of [['--url-col', columns.urlCol], ['--caption-col', columns.captionCol]] as const) {
    if (!names.has(name)) throw usageError(`${flag}: \`${input.source}\` has no column \`${name}\``, 'name the column with --url-col / --caption-col');
  }
}

async function* lines(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest = '';
  for await (const text of texts(stream)) {
    const parts = (rest + text).split('\n');
    rest = parts.pop()!;
    for (const line of parts) yield line.endsWith('\r') ? line.slice(0, -1) : line;
  }
  if (rest !== '') yield rest;
}

function objectRow(text: string): RowMaker {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return (i) => reject({ position: i, next: i + 1, pairs: [], rejects: [] }, 'bad_json', (err as Error).message.slice(0, 200));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return (i) => reject({ position: i, next: i + 1, pairs: [], rejects: [] }, 'not_object', text.slice(0, 200));
  }
  const obj = value as Record<string, unknown>;
  return (i, columns) => rowToUnit(i, (c) => obj[c], columns);
}

async function* jsonLines(stream: AsyncIterable<Buffer>): AsyncGenerator<RowMaker> {
  for await (const line of lines(stream)) if (line.trim() !== '') yield objectRow(line);
}

async function* jsonArrayRows(stream: AsyncIterable<Buffer>): AsyncGenerator<RowMaker> {
  const splitter = new JsonArraySplitter();
  for await (const text of texts(stream)) for (const element of splitter.push(text)) yield objectRow(element);
}
