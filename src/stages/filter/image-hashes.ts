/**
 * Perceptual hashes for eval dedup: of the eval images (cached in the store by path, size and
 * mtime, so an unchanged eval set is hashed once) and of the stored images (blobs.phash, computed
 * once for the blobs that lack it, read from images/ab/cd/<sha256>).
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { configError } from '../../errors.js';
import type { FilterStore } from '../../store/filter.js';
import type { StageContext } from '../../util/context.js';
import { imagePath } from '../../util/image-path.js';
import { perceptualHash } from './phash.js';

/** Images hashed at once: sharp works on its own thread pool, this keeps it busy. */
const CONCURRENCY = 4;
const BATCH = 64;

export interface HashCounts {
  evalImages: number;
  evalUndecodable: number;
  storedHashed: number;
  storedUnhashable: number;
}

export function emptyHashCounts(): HashCounts {
  return { evalImages: 0, evalUndecodable: 0, storedHashed: 0, storedUnhashable: 0 };
}

/** Every file under these paths (files as given, folders recursively; dot-files skipped), sorted. */
function listFiles(paths: readonly string[]): { path: string; stat: Stats }[] {
  const out: { path: string; stat: Stats }[] = [];
  const visit = (path: string, stat: Stats): void => {
    if (stat.isFile()) out.push({ path, stat });
    else if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        if (!name.startsWith('.')) visit(join(path, name), statSync(join(path, name)));
      }
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    let stat: Stats;
    try {
      stat = statSync(abs);
    } catch {
      throw configError(`eval images: no such file or folder \`${p}\` (filter.evalDedup.evalImages)`, 'give a folder of evaluation images with --eval-images DIR');
    }
    visit(abs, stat);
  }
  return out;
}

/** Runs `fn` over `items`, CONCURRENCY at a time, and returns the results in order. */
async function mapLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return out;
}

const tryHash = (input: string): Promise<string | null> => perceptualHash(input).catch(() => null);

export async function hashEvalImages(store: FilterStore, paths: readonly string[], counts: HashCounts, ctx: StageContext): Promise<string[]> {
  const files = listFiles(paths);
  const hashes: string[] = [];
  for (let start = 0; start < files.length; start += BATCH) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const batch = files.slice(start, start + BATCH);
    const rows = await mapLimited(batch, async ({ path, stat }) => {
      const cached = store.cachedEvalHash(path);
      const fresh = cached && cached.bytes === stat.size && cached.mtimeMs === Math.round(stat.mtimeMs);
      return { path, bytes: stat.size, mtimeMs: stat.mtimeMs, cached: Boolean(fresh), phash: fresh ? cached.phash : await tryHash(path) };
    });
    store.putEvalHashes(rows.filter((r) => !r.cached));
    for (const r of rows) {
      if (r.phash) hashes.push(r.phash);
      else counts.evalUndecodable++;
    }
    ctx.log.progress('filter', { step: 'hashing eval images', done: start + batch.length, of: files.length });
  }
  counts.evalImages = hashes.length;
  return hashes;
}

export async function hashStoredImages(store: FilterStore, counts: HashCounts, ctx: StageContext): Promise<void> {
  // Blobs that cannot be hashed keep phash NULL: skip past them by rowid instead of re-reading them.
  let after = 0;
  for (;;) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const blobs = store.blobsWithoutPhash(after, BATCH);
    if (blobs.length === 0) return;
    after = blobs.at(-1)!.id;
    const hashes = await mapLimited(blobs, (b) => tryHash(imagePath(ctx.dataDir, b.sha256)));
    const rows = blobs.flatMap((b, i) => (hashes[i] ? [{ sha256: b.sha256, phash: hashes[i]! }] : []));
    store.setPhashes(rows);
    counts.storedHashed += rows.length;
    counts.storedUnhashable += blobs.length - rows.length;
    ctx.log.progress('filter', { step: 'hashing stored images', hashed: counts.storedHashed });
  }
}
