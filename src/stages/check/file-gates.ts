/**
 * The gates on the files beside the shards: sizes.json and the wids manifests (manifest.json,
 * val-manifest.json) must agree with the tars as read (sample counts, file sizes, sha256).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../errors.js';
import { Offenders, type GateResult, gate, skipped } from './offenders.js';
import type { ShardTally } from './scan.js';

const MANIFESTS = ['manifest.json', 'val-manifest.json'];

function byDir(shards: readonly ShardTally[]): Map<string, Map<string, ShardTally>> {
  const dirs = new Map<string, Map<string, ShardTally>>();
  for (const s of shards) {
    const names = dirs.get(s.dir) ?? new Map<string, ShardTally>();
    names.set(s.name, s);
    dirs.set(s.dir, names);
  }
  return dirs;
}

function readJson(path: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(readFileSync(path, 'utf8')) as unknown };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

export function sizesGate(shards: readonly ShardTally[], limit: number): GateResult {
  const describe = 'sizes.json agrees with the tars (sample counts)';
  const bad = new Offenders(limit);
  let files = 0;
  for (const [dir, names] of byDir(shards)) {
    const path = join(dir, 'sizes.json');
    if (!existsSync(path)) continue;
    files += 1;
    const { value, error } = readJson(path);
    if (error || value === null || typeof value !== 'object' || Array.isArray(value)) {
      bad.add(`${path} (${error ?? 'not a JSON object'})`);
      continue;
    }
    const sizes = value as Record<string, unknown>;
    for (const [name, s] of names) {
      const listed = sizes[name];
      if (listed === undefined) bad.add(`${name} (not in sizes.json)`);
      else if (listed !== s.groups) bad.add(`${name} (sizes.json says ${JSON.stringify(listed)}, the tar holds ${s.groups})`);
    }
    for (const name of Object.keys(sizes)) {
      if (!names.has(name) && !existsSync(join(dir, name))) bad.add(`${name} (in sizes.json, no such file)`);
    }
  }
  if (files === 0) return skipped('sizes-json', describe, 'no sizes.json beside the shards');
  return gate('sizes-json', describe, { files }, bad);
}

interface ManifestEntry {
  url?: unknown;
  nsamples?: unknown;
  filesize?: unknown;
  sha256?: unknown;
}

export function manifestGate(shards: readonly ShardTally[], limit: number): GateResult {
  const describe = 'the manifests agree with the tars (sample counts, file sizes, sha256)';
  const bad = new Offenders(limit);
  let files = 0;
  for (const [dir, names] of byDir(shards)) {
    const listed = new Set<string>();
    const present = MANIFESTS.filter((m) => existsSync(join(dir, m)));
    for (const manifest of present) {
      files += 1;
      const { value, error } = readJson(join(dir, manifest));
      const list = (value as { shardlist?: unknown } | undefined)?.shardlist;
      if (error || !Array.isArray(list)) {
        bad.add(`${manifest} (${error ?? 'no shardlist'})`);
        continue;
      }
      for (const entry of list as ManifestEntry[]) compareEntry(entry, manifest, dir, names, listed, bad);
    }
    if (present.length === 0) continue;
    for (const name of names.keys()) if (!listed.has(name)) bad.add(`${name} (in no manifest)`);
  }
  if (files === 0) return skipped('manifest', describe, 'no manifest.json beside the shards');
  return gate('manifest', describe, { files }, bad);
}

function compareEntry(entry: ManifestEntry, manifest: string, dir: string, names: Map<string, ShardTally>, listed: Set<string>, bad: Offenders): void {
  const name = String(entry.url);
  listed.add(name);
  const s = names.get(name);
  if (!s) {
    if (!existsSync(join(dir, name))) bad.add(`${name} (in ${manifest}, no such file)`);
    return;
  }
  const wrong: string[] = [];
  if (entry.nsamples !== s.groups) wrong.push(`nsamples ${String(entry.nsamples)}, the tar holds ${s.groups}`);
  if (entry.filesize !== s.bytes) wrong.push(`filesize ${String(entry.filesize)}, the file has ${s.bytes}`);
  if (entry.sha256 !== undefined && entry.sha256 !== s.sha256) wrong.push('sha256 differs');
  if (wrong.length > 0) bad.add(`${name} (${manifest}: ${wrong.join('; ')})`);
}
