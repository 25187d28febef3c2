/**
 * The filters a run applies: the built-in ones (filters/index.ts) with their config sections,
 * then the user's modules from `filter.custom`, each imported, checked and its options validated
 * by its own schema. Every problem is a config error (exit 2) naming the config field.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { Filter } from '../../../filters/api.js';
import { BUILTIN_FILTERS } from '../../../filters/index.js';
import type { CustomFilterConfig, FilterConfig } from '../../config/filter.js';
import { configError } from '../../errors.js';
import { PAIR_COLUMNS } from '../../store/filter.js';
import { packageRoot } from '../../util/version.js';

export interface LoadedFilter {
  filter: Filter;
  options: unknown;
  /** Where its options live in the config, for messages: `filter.imageSize`, `filter.custom[0]`. */
  configPath: string;
}

/** Reasons the stage itself records: no filter may take these names. */
const RESERVED = new Set(['duplicate', 'image_failed', 'image_pending', 'withdrawn_noai', 'withdrawn_gone', 'withdrawn_robots']);

export const camelToSnake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const snakeToCamel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const configKey = (name: string): string => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export async function loadFilters(config: FilterConfig, baseDir: string): Promise<LoadedFilter[]> {
  const sections = config as unknown as Record<string, unknown>;
  const loaded: LoadedFilter[] = BUILTIN_FILTERS.map((filter) => ({
    filter,
    options: sections[configKey(filter.name)],
    configPath: `filter.${configKey(filter.name)}`,
  }));
  const names = new Set([...RESERVED, ...loaded.map((l) => l.filter.name)]);
  for (const [i, entry] of config.custom.entries()) {
    const configPath = `filter.custom[${i}]`;
    const filter = await importFilter(entry, configPath, baseDir);
    if (names.has(filter.name)) throw configError(`${configPath}: a filter named \`${filter.name}\` is already in use (built-in or listed twice)`);
    names.add(filter.name);
    loaded.push({ filter, options: parseOptions(filter, entry.options, configPath), configPath });
  }
  return loaded;
}

/** Where a module name or path points: a path relative to the config's folder or the current one, or a bare name in a filters/ folder. */
function resolveModule(spec: string, baseDir: string): string | undefined {
  const isPath = /[\\/]/.test(spec) || /\.(m?js|ts)$/.test(spec);
  if (isPath) return [resolve(baseDir, spec), resolve(spec)].find((p) => existsSync(p));
  const builtinDir = fileURLToPath(new URL('../../../filters/', import.meta.url));
  const dirs = [join(baseDir, 'filters'), join(process.cwd(), 'filters'), builtinDir, join(packageRoot(), 'filters')];
  return dirs.flatMap((d) => ['.js', '.mjs', '.ts'].map((ext) => join(d, spec + ext))).find((p) => existsSync(p));
}

async function importFilter(entry: CustomFilterConfig, configPath: string, baseDir: string): Promise<Filter> {
  const where = `${configPath}.module`;
  const path = resolveModule(entry.module, baseDir);
  if (!path) {
    throw configError(`\`${where}\`: no filter module \`${entry.module}\` (looked relative to ${baseDir} and the current folder, and in filters/ there)`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw configError(`\`${where}\`: cannot load ${path}: ${(err as Error).message}`);
  }
  const filter = (mod.default ?? mod.filter) as Partial<Filter> | undefined;
  const problem = checkFilterShape(filter);
  if (problem) throw configError(`\`${where}\`: ${path} does not export a filter: ${problem}`, 'see "Writing a filter" in the README');
  return filter as Filter;
}

/** What is wrong with a module's export, or undefined when it is a usable filter. */
function checkFilterShape(f: Partial<Filter> | undefined): string | undefined {
  if (!f || typeof f !== 'object') return 'expected `export default { name, where | keep, ... }`';
  if (typeof f.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(f.name)) return `\`name\` must be kebab-case, got \`${String(f.name)}\``;
  if ((typeof f.where === 'function') === (typeof f.keep === 'function')) return 'it needs exactly one of `where` (SQL) and `keep` (JS)';
  for (const key of ['options', 'active', 'prepare'] as const) {
    if (f[key] !== undefined && typeof f[key] !== 'function') return `\`${key}\` must be a function`;
  }
  const unknown = (f.fields ?? []).filter((field) => !(camelToSnake(field) in PAIR_COLUMNS));
  if (unknown.length > 0) return `unknown field${unknown.length > 1 ? 's' : ''} in \`fields\`: ${unknown.join(', ')}`;
  return undefined;
}

function parseOptions(filter: Filter, raw: unknown, configPath: string): unknown {
  let schema: z.ZodType;
  try {
    schema = filter.options ? filter.options(z) : z.strictObject({});
  } catch (err) {
    throw configError(`\`${configPath}.module\`: the options schema of \`${filter.name}\` failed to build: ${(err as Error).message}`);
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = `${configPath}.options${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
    if (issue.code === 'unrecognized_keys') return `  - \`${path}\`: unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
    const got = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), raw);
    return `  - \`${path}\`: ${issue.message}, got ${got === undefined ? 'nothing' : `\`${JSON.stringify(got)}\``}`;
  });
  throw configError(`invalid options for filter \`${filter.name}\`:\n${lines.join('\n')}`);
}
