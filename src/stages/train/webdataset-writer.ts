/**
 * A tiny deterministic WebDataset writer for synthetic data and tests: plain ustar tars with
 * fixed mtime, mode and owner, one sample's members together and sorted, plus sizes.json and a
 * manifest.json beside them, as the shard stage writes them. (The shard stage has its own,
 * streaming writer for real corpora; this one holds a shard in memory.)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import tar from 'tar-stream';

export interface WdsSample {
  /** No dots. */
  key: string;
  /** Members by extension, e.g. { jpg: bytes, txt: 'a red circle', json: '{…}' }. */
  members: Record<string, Buffer | string>;
}

export interface WrittenShards {
  /** The brace pattern, e.g. `dir/train-{000000..000003}.tar`. */
  pattern: string;
  files: { path: string; samples: number; bytes: number; sha256: string }[];
}

/** Packs samples into one tar in memory. */
export async function packShard(samples: readonly WdsSample[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((res, rej) => {
    pack.on('end', () => res());
    pack.on('error', rej);
  });
  for (const sample of samples) {
    if (sample.key.includes('.')) throw new Error(`WebDataset keys have no dots: ${sample.key}`);
    for (const ext of Object.keys(sample.members).sort()) {
      const body = sample.members[ext] as Buffer | string;
      const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      pack.entry({ name: `${sample.key}.${ext}`, size: data.length, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' }, data);
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Writes `prefix-000000.tar`… of at most `perShard` samples each, then sizes.json and manifest.json. */
export async function writeShards(dir: string, prefix: string, samples: readonly WdsSample[], perShard: number): Promise<WrittenShards> {
  mkdirSync(dir, { recursive: true });
  const files: WrittenShards['files'] = [];
  for (let start = 0, n = 0; start < samples.length; start += perShard, n++) {
    const bytes = await packShard(samples.slice(start, start + perShard));
    const path = join(dir, `${prefix}-${String(n).padStart(6, '0')}.tar`);
    writeFileSync(`${path}.partial`, bytes);
    renameSync(`${path}.partial`, path);
    files.push({ path, samples: Math.min(perShard, samples.length - start), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  const last = String(Math.max(0, files.length - 1)).padStart(6, '0');
  const pattern = join(dir, `${prefix}-{000000..${last}}.tar`);
  mergeJson(join(dir, 'sizes.json'), Object.fromEntries(files.map((f) => [basename(f.path), f.samples])));
  const manifest = { pattern: basename(pattern), shardlist: files.map((f) => ({ url: basename(f.path), nsamples: f.samples, filesize: f.bytes, sha256: f.sha256 })) };
  writeFileSync(join(dir, `${prefix === 'train' ? '' : `${prefix}-`}manifest.json`), JSON.stringify(manifest, null, 2) + '\n');
  return { pattern, files };
}

/** sizes.json covers every prefix in the folder, so a second writeShards call adds to it. */
function mergeJson(path: string, entries: Record<string, number>): void {
  const existing = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>) : {};
  const merged = { ...existing, ...entries };
  const sorted = Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]]));
  writeFileSync(path, JSON.stringify(sorted, null, 2) + '\n');
}
