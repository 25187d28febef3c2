import { createReadStream, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import tar from 'tar-stream';
import type { ShardStore } from '../../store/shard.js';
import type { Logger } from '../../util/log.js';
import { TarWriter, encodeTarMembers, type TarMember } from '../../webdataset/tar.js';

/**
 * Withdrawn consent reaches the published shards: every shard holding a sample whose pair was
 * withdrawn (the filter's `withdrawals`) is copied without those samples into `<name>.partial`,
 * renamed over the old file, and recorded (samples, bytes, sha256; the samples forgotten).
 *
 * The shard keeps its name, so the brace pattern and the numbering stay dense; the samples that
 * stay keep their keys and their exact bytes (members are copied, not re-encoded). A shard that
 * cannot be read to its end, or holds other samples than the store says, is left as it is and
 * named in the result; the next run tries again. A kill between the rename and the record is
 * repaired by the next run (the copy then removes nothing and records the file).
 */

export interface WithdrawResult {
  /** Shards rewritten without their withdrawn samples. */
  shardsRewritten: string[];
  samplesRemoved: number;
  /** Shards that held withdrawn samples but could not be rewritten (unreadable, or not as recorded). */
  failed: string[];
}

export async function withdrawFromShards(store: ShardStore, dir: string, log: Logger): Promise<WithdrawResult> {
  const result: WithdrawResult = { shardsRewritten: [], samplesRemoved: 0, failed: [] };
  for (const shard of store.shardsWithWithdrawn()) {
    const withdrawn = store.withdrawnSamples(shard.id);
    const keys = new Set(withdrawn.map((s) => s.key));
    const path = join(dir, shard.name);
    const copy = existsSync(path) ? await copyWithout(path, keys) : { error: 'the file is missing' };
    if ('error' in copy || copy.samples !== shard.samples - keys.size) {
      const why = 'error' in copy ? copy.error : `it holds ${copy.samples + copy.removed} samples, the store says ${shard.samples}`;
      log.warn(`shard: cannot withdraw ${keys.size} samples from ${shard.name}: ${why}; it is left as it was`);
      result.failed.push(shard.name);
      continue;
    }
    renameSync(`${path}.partial`, path);
    store.recordRewrite(shard.id, copy, withdrawn.map((s) => s.pairId));
    result.shardsRewritten.push(shard.name);
    result.samplesRemoved += copy.removed;
    log.info(`shard: rewrote ${shard.name} without ${copy.removed} withdrawn samples (${copy.samples} stay)`);
  }
  return result;
}

type Copy = { samples: number; removed: number; bytes: number; sha256: string } | { error: string };

/** Copies a shard into `<path>.partial`, dropping the samples with these keys. */
async function copyWithout(path: string, drop: ReadonlySet<string>): Promise<Copy> {
  const out = new TarWriter(`${path}.partial`);
  let samples = 0;
  let removed = 0;
  try {
    for await (const sample of readSamples(path)) {
      if (drop.has(sample.key)) {
        removed += 1;
        continue;
      }
      samples += 1;
      // Re-encoded with the shard writer's fixed header fields: the bytes of a kept sample do not change.
      out.write(encodeTarMembers(sample.members));
    }
  } catch (err) {
    out.abort();
    return { error: `it cannot be read to its end (${(err as Error).message})` };
  }
  return { samples, removed, ...out.finish() };
}

/** The samples of a tar in file order: runs of members with one key (the name up to its first dot). */
async function* readSamples(path: string): AsyncGenerator<{ key: string; members: TarMember[] }> {
  const extract = tar.extract();
  const input = createReadStream(path);
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract);
  let current: { key: string; members: TarMember[] } | undefined;
  try {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type !== 'file') continue;
      const name = entry.header.name;
      const key = name.includes('.') ? name.slice(0, name.indexOf('.')) : name;
      if (current && current.key !== key) yield current;
      if (!current || current.key !== key) current = { key, members: [] };
      current.members.push({ name, data: Buffer.concat(chunks) });
    }
    if (current) yield current;
  } finally {
    input.destroy();
  }
}
