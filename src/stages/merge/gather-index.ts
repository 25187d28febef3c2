/**
 * `merge --index --into INDEX PART...`: the index files of `index --partition I/N` tasks
 * (RUN/index-parts/part-*.sqlite) → one index at INDEX (default for search: RUN/index.sqlite).
 * Shards are taken in path order, each shard's samples in the order its part indexed them (its
 * tar order), so a first gather into an empty index holds what one `index` run would, under the
 * same ids: search results are the same. The vectors are copied as stored, bit for bit.
 * Idempotent: a sample already in INDEX (same shard and key) is not added again; the parts'
 * failures and finished-shard marks are carried, so a later plain `index` skips those shards.
 * May import: store/, util/, errors.
 */
import { resolve } from 'node:path';
import { usageError } from '../../errors.js';
import { IndexPart } from '../../store/vector-index-parts.js';
import { VectorIndex, type NewSample } from '../../store/vector-index.js';

export interface GatherIndexSummary {
  index: string;
  parts: number;
  shards: number;
  /** Samples new in the index. */
  added: number;
  /** Failed samples carried. */
  failed: number;
  /** Samples in the index now. */
  total: number;
}

const BATCH = 512;

export function gatherIndex(into: string, files: string[]): GatherIndexSummary {
  if (files.length === 0) throw usageError('merge --index: give the index parts: align-data merge --index --into RUN/index.sqlite RUN/index-parts/part-*.sqlite');
  const out = resolve(into);
  const parts: IndexPart[] = [];
  try {
    for (const f of files) {
      if (resolve(f) === out) throw usageError(`merge --index: ${f} is also --into`);
      parts.push(IndexPart.open(f));
    }
    const identity = parts[0]!.identity;
    for (const p of parts) {
      const id = p.identity;
      if (id.run !== identity.run || id.step !== identity.step || id.dim !== identity.dim) {
        throw usageError(`merge --index: ${p.path} was built with run ${id.run} at step ${id.step}, ${parts[0]!.path} with run ${identity.run} at step ${identity.step}`);
      }
    }
    const index = VectorIndex.open(out, identity);
    try {
      return { index: out, parts: parts.length, ...copyShards(index, parts), total: index.count() };
    } finally {
      index.close();
    }
  } finally {
    for (const p of parts) p.close();
  }
}

/** Every shard of every part, in path order (a shard is in one part, unless N changed between runs). */
function copyShards(index: VectorIndex, parts: IndexPart[]): { shards: number; added: number; failed: number } {
  const owners = new Map<string, IndexPart[]>();
  for (const p of parts) for (const s of p.shards()) owners.set(s, [...(owners.get(s) ?? []), p]);
  const tally = { shards: owners.size, added: 0, failed: 0 };
  for (const shard of [...owners.keys()].sort()) {
    for (const part of owners.get(shard)!) {
      const known = index.keysOf(shard);
      let batch: NewSample[] = [];
      for (const sample of part.samples(shard)) {
        if (known.has(sample.key)) continue;
        known.add(sample.key);
        batch.push(sample);
        if (batch.length >= BATCH) {
          index.add(batch);
          tally.added += batch.length;
          batch = [];
        }
      }
      index.add(batch);
      tally.added += batch.length;
      const failed = part.failed(shard).filter((f) => !known.has(f.key));
      index.recordFailed(failed);
      tally.failed += failed.length;
      const done = part.done(shard);
      if (done) index.markShardDone(shard, done.bytes, done.mtimeMs, done.samples);
    }
  }
  return tally;
}
