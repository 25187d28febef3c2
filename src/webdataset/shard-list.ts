/**
 * Turns what the user named (a brace pattern, one .tar, a folder, or several of these joined
 * by `::` as open_clip accepts) into a list of shard files, with sample counts from sizes.json
 * where the shard stage wrote one.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AlignError } from '../errors.js';
import type { Logger } from '../util/log.js';

export interface ShardFile {
  path: string;
  /** Samples in the shard, from sizes.json (null when unknown). */
  samples: number | null;
}

/** Expands `{000000..000003}` ranges (zero padding kept) and `{a,b}` lists, left to right. */
export function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (!m) return [pattern];
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + m[0].length);
  const body = m[1] ?? '';
  const range = /^(\d+)\.\.(\d+)$/.exec(body);
  let choices: string[];
  if (range) {
    const [from, to] = [range[1] as string, range[2] as string];
    const width = from.length === to.length ? from.length : 0;
    const [lo, hi] = [Number(from), Number(to)];
    choices = [];
    for (let i = lo; i <= hi; i++) choices.push(String(i).padStart(width, '0'));
  } else {
    choices = body.split(',');
  }
  return choices.flatMap((c) => expandBraces(head + c + tail));
}

/**
 * Lists the shards `spec` names. A folder means its .tar files; when it holds several prefixes
 * (`train-…`, `val-…`), only the preferred one is used (and the log says so): training never
 * sees the held-out split, and eval never scores the training set. Missing files stop the run
 * before any work. `all` takes every .tar of a folder (check looks at both splits).
 */
export function listShards(spec: string, log?: Logger, prefer: 'train' | 'val' | 'all' = 'train'): ShardFile[] {
  const paths = spec.split('::').flatMap((part) => listPart(part, prefer, log));
  if (paths.length === 0) {
    throw new AlignError('E_NO_DATA', `no shards found at ${spec}`, {
      hint: 'run `align-data shard` first, or pass --shards with a folder or a pattern like shards/train-{000000..000009}.tar',
    });
  }
  const sizes = new Map<string, Map<string, number>>();
  return paths.map((path) => ({ path, samples: sizeOf(path, sizes) }));
}

function listPart(part: string, prefer: string, log?: Logger): string[] {
  if (existsSync(part) && statSync(part).isDirectory()) return listFolder(part, prefer, log);
  const paths = expandBraces(part);
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new AlignError('E_NO_DATA', `${missing.length} of ${paths.length} shard${paths.length > 1 ? 's' : ''} named by ${part} do not exist (first: ${missing[0]})`, {
      hint: 'check the pattern; the shard stage prints the one to use',
    });
  }
  return paths;
}

function listFolder(dir: string, prefer: string, log?: Logger): string[] {
  const tars = readdirSync(dir).filter((f) => f.endsWith('.tar')).sort();
  const prefixes = new Map<string, string[]>();
  for (const f of tars) {
    const prefix = /^(.*?)[-_]?\d+\.tar$/.exec(f)?.[1] ?? f;
    prefixes.set(prefix, [...(prefixes.get(prefix) ?? []), f]);
  }
  let chosen = tars;
  if (prefer !== 'all' && prefixes.size > 1 && prefixes.has(prefer)) {
    chosen = prefixes.get(prefer) ?? [];
    const skipped = [...prefixes.keys()].filter((p) => p !== prefer);
    log?.info(`${dir}: using the ${prefer}-* shards; skipped ${skipped.map((p) => `${p}-*`).join(', ')} (name shards with a pattern to choose)`);
  }
  return chosen.map((f) => join(dir, f));
}

function sizeOf(path: string, cache: Map<string, Map<string, number>>): number | null {
  const dir = dirname(path);
  let sizes = cache.get(dir);
  if (!sizes) {
    sizes = readSizes(dir);
    cache.set(dir, sizes);
  }
  return sizes.get(basename(path)) ?? null;
}

function readSizes(dir: string): Map<string, number> {
  const file = join(dir, 'sizes.json');
  if (!existsSync(file)) return new Map();
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return new Map(Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number'));
  } catch {
    // A damaged sizes.json only costs us the sample counts: the shards are still read.
    return new Map();
  }
}
