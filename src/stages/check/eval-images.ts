/**
 * The eval set for the `eval-dedup` gate: every image file under the configured paths, hashed
 * (perceptual hash) into the filter's near-duplicate index, so check and filter agree on what
 * "near" means.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import { configError } from '../../errors.js';
import { perceptualHash } from '../../util/phash.js';
import { NearDuplicateIndex } from '../../../filters/eval-dedup.js';

export interface EvalSet {
  index: NearDuplicateIndex;
  images: number;
  undecodable: number;
  maxDistanceBits: number;
}

/** The eval paths and distance in force: check's own, else the filter's when that filter is on. */
export function evalSettings(config: Config): { paths: string[]; maxDistanceBits: number; field: string } | null {
  if (config.check.evalImages.length > 0) return { paths: config.check.evalImages, maxDistanceBits: config.check.maxDistanceBits, field: 'check.evalImages' };
  const f = config.filter.evalDedup;
  if (f.enabled && f.evalImages.length > 0) return { paths: f.evalImages, maxDistanceBits: f.maxDistanceBits, field: 'filter.evalDedup.evalImages' };
  return null;
}

/** Hashes the eval images (a missing path is a config error, before any shard is read). */
export async function loadEvalSet(settings: { paths: string[]; maxDistanceBits: number; field: string }): Promise<EvalSet> {
  const files = settings.paths.flatMap((p) => listFiles(p, settings.field));
  const hashes: string[] = [];
  let undecodable = 0;
  for (let i = 0; i < files.length; i += 8) {
    const batch = await Promise.all(files.slice(i, i + 8).map((f) => perceptualHash(f).catch(() => null)));
    for (const h of batch) {
      if (h) hashes.push(h);
      else undecodable += 1;
    }
  }
  return { index: new NearDuplicateIndex(hashes, settings.maxDistanceBits), images: hashes.length, undecodable, maxDistanceBits: settings.maxDistanceBits };
}

function listFiles(path: string, field: string): string[] {
  const abs = resolve(path);
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    throw configError(`eval images: no such file or folder \`${path}\` (${field})`);
  }
  if (stat.isFile()) return [abs];
  if (!stat.isDirectory()) return [];
  return readdirSync(abs)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .flatMap((name) => listFiles(join(abs, name), field));
}
