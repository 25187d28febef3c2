import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configError } from '../errors.js';
import { ConfigSchema, type Config } from './schema.js';

/** A partial config, as flags give it: `{ crawl: { maxPages: 10 } }`. Undefined leaves are ignored. */
export type ConfigOverrides = { [section: string]: Record<string, unknown> | undefined };

/**
 * Reads the config file (if any), lays the flag overrides over it and validates the result.
 * `defaults` lie under the file (a command's own defaults, e.g. the demo's small shards): the
 * file wins over them, flags win over both. Throws E_CONFIG naming the field, what was expected
 * and what came.
 */
export function loadConfig(configPath?: string, overrides: ConfigOverrides = {}, defaults: ConfigOverrides = {}): Config {
  const fromFile = configPath ? readConfigFile(configPath) : {};
  const base = mergeDeep(stripUndefined(defaults) as Record<string, unknown>, fromFile);
  const merged = mergeDeep(base, stripUndefined(overrides) as Record<string, unknown>);
  return validateConfig(merged, configPath);
}

export function validateConfig(raw: unknown, source = 'config'): Config {
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  throw configError(`invalid ${source}:\n${formatIssues(result.error, raw)}`);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw configError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw configError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw configError(`config file ${path} must hold a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}

/** One line per problem: `crawl.perHostConcurrency: expected a number > 0, got 0`. */
export function formatIssues(error: z.ZodError, raw: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        const where = path ? ` in \`${path}\`` : '';
        return `  - unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `\`${k}\``).join(', ')}${where}`;
      }
      const got = valueAt(raw, issue.path);
      const gotText = got === undefined ? 'nothing' : `\`${truncate(JSON.stringify(got))}\``;
      return `  - \`${path || '(root)'}\`: ${issue.message}, got ${gotText}`;
    })
    .join('\n');
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function truncate(s: string | undefined, n = 60): string {
  if (s === undefined) return 'undefined';
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function stripUndefined(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[k] = stripUndefined(v);
  }
  return out;
}

function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (isPlainObject(v) && isPlainObject(b)) out[k] = mergeDeep(b, v);
    else out[k] = v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The defaults of every option: what config.example.json shows. */
export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}
