import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { LIST_FORMATS, type ListFormat } from '../../config/ingest.js';
import { usageError } from '../../errors.js';
import type { InputSource } from './types.js';

/**
 * PATH arguments → input sources, checked before any work (a path that does not exist, a glob that
 * matches nothing or a list whose format cannot be told is a usage error). A PATH is a file, a
 * folder (its files of the format, recursively), a glob (`*`, `?`, `**`), or an http(s) URL.
 * `.gz` is read transparently; the format comes from the name without it.
 */

export type InputKind = 'list' | 'wat' | 'warc';

const EXTENSIONS: Record<string, ListFormat> = { txt: 'txt', csv: 'csv', tsv: 'tsv', json: 'json', jsonl: 'jsonl', ndjson: 'jsonl', parquet: 'parquet' };

export function resolveInputs(paths: readonly string[], kind: InputKind, flag: string, listFormat: ListFormat | null): InputSource[] {
  const out: InputSource[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    for (const found of expand(path, kind, flag, listFormat)) {
      if (seen.has(found.source)) continue;
      seen.add(found.source);
      out.push(found);
    }
  }
  return out;
}

function expand(path: string, kind: InputKind, flag: string, listFormat: ListFormat | null): InputSource[] {
  if (/^https?:\/\//i.test(path)) {
    let url: URL;
    try {
      url = new URL(path);
    } catch {
      throw usageError(`${flag}: not a URL: \`${path}\``);
    }
    return [source(url.href, true, kind, flag, listFormat, null, null, decodeURIComponent(url.pathname))];
  }
  if (/[*?[]/.test(path)) {
    const files = matchGlob(path).filter((f) => formatOf(f, kind, listFormat) !== undefined);
    if (files.length === 0) throw usageError(`${flag}: \`${path}\` matches no ${kind} file`);
    return files.map((f) => fileSource(f, kind, flag, listFormat));
  }
  const abs = resolve(path);
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    throw usageError(`${flag}: no such file or folder: \`${path}\``);
  }
  if (!stat.isDirectory()) return [fileSource(abs, kind, flag, listFormat)];
  const files = walk(abs).filter((f) => formatOf(f, kind, listFormat) !== undefined);
  if (files.length === 0) throw usageError(`${flag}: the folder \`${path}\` holds no ${kind} file`);
  return files.map((f) => fileSource(f, kind, flag, listFormat));
}

function fileSource(abs: string, kind: InputKind, flag: string, listFormat: ListFormat | null): InputSource {
  const stat = statSync(abs);
  return source(abs, false, kind, flag, listFormat, stat.size, Math.floor(stat.mtimeMs), abs);
}

function source(key: string, isUrl: boolean, kind: InputKind, flag: string, listFormat: ListFormat | null, size: number | null, mtimeMs: number | null, name: string): InputSource {
  const format = formatOf(name, kind, listFormat);
  if (format === undefined) {
    throw usageError(`${flag}: cannot tell the format of \`${key}\` from its name`, `name it .${LIST_FORMATS.join('/.')} (optionally .gz), or give --input-format`);
  }
  return { source: key, isUrl, format, gzip: /\.gz$/i.test(name), size, mtimeMs };
}

/** The format a file name says (undefined: not one of this kind). */
function formatOf(name: string, kind: InputKind, listFormat: ListFormat | null): InputSource['format'] | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  if (kind === 'wat') return /\.wat$/.test(base) || /\.wat\.warc$/.test(base) ? 'wat' : undefined;
  if (kind === 'warc') return /\.warc$/.test(base) && !/\.wat\.warc$/.test(base) ? 'warc' : undefined;
  if (listFormat !== null) return listFormat;
  const ext = base.slice(base.lastIndexOf('.') + 1);
  return EXTENSIONS[ext];
}

function walk(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: false }) as string[])
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/** `*` and `?` within a path segment, `**` across segments; matched from the first segment that has one. */
function matchGlob(pattern: string): string[] {
  const abs = resolve(pattern);
  const parts = abs.split(sep);
  const first = parts.findIndex((p) => /[*?[]/.test(p));
  const base = parts.slice(0, first).join(sep) || sep;
  const rest = parts.slice(first).join('/');
  const re = new RegExp(
    `^${rest
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*\*\/?/g, '\u0000')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')
      .replace(/\u0000/g, '(?:.*/)?')}$`,
  );
  let files: string[];
  try {
    files = walk(base);
  } catch {
    return [];
  }
  return files.filter((f) => re.test(relative(base, f).split(sep).join('/')));
}
