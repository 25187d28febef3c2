/**
 * (Shared by train, check and retrieval: DESIGN.md puts the WebDataset reader outside any stage.)
 * Streams WebDataset samples out of tar shards: members are grouped by key (the file name up
 * to its first dot), a sample's members being contiguous. A sample without an image or a
 * caption, or a shard that breaks off, is counted and skipped; reading goes on.
 */
import { createReadStream } from 'node:fs';
import tar from 'tar-stream';
import type { Rng } from '../util/rng.js';

export interface RawSample {
  key: string;
  /** The encoded image bytes (jpg, png or webp). */
  image: Buffer;
  caption: string;
  /** Which shard the sample came from, for messages. */
  shard: string;
  /** The .json member (url, page_url, a label, ...) when the sample has one, unparsed. */
  json?: Buffer;
  /** The .cls member (a class label) when the sample has one. */
  cls?: string;
}

export interface ReadOptions {
  /**
   * A member larger than this is not read into memory: it is skipped unread and its sample counted
   * as corrupt (no real image or caption is that large; a damaged or hostile shard may say so).
   * @default 64 MiB
   */
  maxMemberBytes?: number;
}

export const DEFAULT_MAX_MEMBER_BYTES = 64 * 1024 * 1024;

/** What reading skipped; the caller keeps one per run and reports it. */
export interface ReadCounts {
  samples: number;
  /** Samples missing an image or a caption. */
  incomplete: number;
  /** Images that failed to decode (filled in by the decoder), and samples with a member over maxMemberBytes. */
  corrupt: number;
  /** Shards that could not be read to their end. */
  brokenShards: number;
}

export function emptyCounts(): ReadCounts {
  return { samples: 0, incomplete: 0, corrupt: 0, brokenShards: 0 };
}

const IMAGE_EXTS = ['jpg', 'jpeg', 'png', 'webp'];
const TEXT_EXTS = ['txt', 'text', 'caption'];

interface PendingSample {
  key: string;
  members: Map<string, Buffer>;
  /** A member was over maxMemberBytes and skipped. */
  oversized: boolean;
}

/** The samples of one shard, in file order. */
export async function* readShard(path: string, counts: ReadCounts, options: ReadOptions = {}): AsyncGenerator<RawSample> {
  const maxMemberBytes = options.maxMemberBytes ?? DEFAULT_MAX_MEMBER_BYTES;
  const extract = tar.extract();
  const input = createReadStream(path);
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract);
  let current: PendingSample | undefined;
  try {
    for await (const entry of extract) {
      const { name, size, type } = entry.header;
      const oversized = (size ?? 0) > maxMemberBytes;
      const data = oversized || type !== 'file' ? await drainEntry(entry) : await readEntry(entry, maxMemberBytes);
      if (type !== 'file') continue;
      const [key, ext] = splitKey(name);
      if (current && current.key !== key) {
        const sample = toSample(current, path, counts);
        if (sample) yield sample;
        current = undefined;
      }
      current ??= { key, members: new Map(), oversized: false };
      if (data) current.members.set(ext.toLowerCase(), data);
      else current.oversized = true;
    }
    if (current) {
      const sample = toSample(current, path, counts);
      if (sample) yield sample;
    }
  } catch {
    // A truncated or damaged shard: keep what came before the damage (the sample being read
    // too, if its members were complete), count the shard, and go on with the next one.
    counts.brokenShards++;
    const sample = current && toSample(current, path, counts);
    if (sample) yield sample;
  } finally {
    input.destroy();
  }
}

/** The member's bytes, or undefined (drained unbuffered) once they pass `max`. */
async function readEntry(entry: AsyncIterable<unknown>, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of entry) {
    bytes += (chunk as Buffer).length;
    if (bytes > max) chunks.length = 0;
    else chunks.push(chunk as Buffer);
  }
  if (bytes > max) return undefined;
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** Reads past a member without keeping its bytes (the tar stream must be consumed to go on). */
async function drainEntry(entry: AsyncIterable<unknown>): Promise<undefined> {
  for await (const _chunk of entry) {
    // discarded
  }
  return undefined;
}

/** `dir/000001_0042.jpg` → [`dir/000001_0042`, `jpg`]; WebDataset keys end at the basename's first dot. */
export function splitKey(name: string): [string, string] {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot < 0) return [name, ''];
  return [name.slice(0, dot), name.slice(dot + 1)];
}

function toSample(current: PendingSample, shard: string, counts: ReadCounts): RawSample | undefined {
  if (current.oversized) {
    counts.corrupt++;
    return undefined;
  }
  const image = IMAGE_EXTS.map((e) => current.members.get(e)).find((b) => b !== undefined);
  const text = TEXT_EXTS.map((e) => current.members.get(e)).find((b) => b !== undefined);
  if (!image || !text) {
    counts.incomplete++;
    return undefined;
  }
  counts.samples++;
  const sample: RawSample = { key: current.key, image, caption: text.toString('utf8').trim(), shard };
  const json = current.members.get('json');
  const cls = current.members.get('cls');
  if (json) sample.json = json;
  if (cls) sample.cls = cls.toString('utf8').trim();
  return sample;
}

export interface StreamOptions extends ReadOptions {
  /** Read the shards again and again, reshuffled each pass (training). @default false */
  repeat?: boolean;
  /** Shuffles shard order each pass and samples through a buffer of this size (0: in order). @default 0 */
  shuffleBuffer?: number;
  rng?: Rng;
  signal?: AbortSignal;
}

/** Samples of all the shards: in order once (eval), or shuffled and repeated (training). */
export async function* streamSamples(paths: readonly string[], counts: ReadCounts, options: StreamOptions = {}): AsyncGenerator<RawSample> {
  const source = readPasses(paths, counts, options);
  const size = options.shuffleBuffer ?? 0;
  if (size <= 1 || !options.rng) {
    yield* source;
    return;
  }
  yield* shuffleThrough(source, size, options.rng);
}

async function* readPasses(paths: readonly string[], counts: ReadCounts, options: StreamOptions): AsyncGenerator<RawSample> {
  for (let pass = 0; ; pass++) {
    const order = options.rng && (options.shuffleBuffer ?? 0) > 1 ? options.rng.shuffle([...paths]) : paths;
    const before = counts.samples;
    for (const path of order) {
      if (options.signal?.aborted) return;
      yield* readShard(path, counts, options);
    }
    // Stop repeating when a whole pass found nothing: the data is unusable, not just slow.
    if (!options.repeat || counts.samples === before) return;
  }
}

/** A shuffle buffer: fill to `size`, then emit a random element and put the next one in its place. */
export async function* shuffleThrough<T>(source: AsyncIterable<T>, size: number, rng: Rng): AsyncGenerator<T> {
  const buffer: T[] = [];
  for await (const item of source) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const i = rng.int(size);
    const out = buffer[i] as T;
    buffer[i] = item;
    yield out;
  }
  rng.shuffle(buffer);
  yield* buffer;
}
