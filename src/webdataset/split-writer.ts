import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Split, indexDigits, sampleKey, shardFileName } from './keys.js';
import type { ShardFile } from './manifest.js';
import { TarWriter, encodeTarMembers, finishedTarBytes } from './tar.js';

/** Member bodies by extension (`jpg`, `json`, `txt`); written sorted by member name. */
export type SampleMembers = Record<string, Uint8Array | string>;

/** One sample to write. */
export interface WdsSample {
  /**
   * The members, or a function of the key the writer gives the sample (so the `.json` can hold it).
   */
  members: SampleMembers | ((key: string) => SampleMembers);
  /** A key of the caller's own (no dots, unique in the dataset). @default shard number and index, `000003_0042` */
  key?: string;
}

export interface SplitWriterOptions<T> {
  dir: string;
  split: Split;
  prefix: string;
  /** @default 0 */
  firstNumber?: number;
  samplesPerShard: number;
  maxShardBytes: number;
  /** Put before every generated key (a shard partition's, so keys stay unique across partitions). @default '' */
  keyPrefix?: string;
  /** Called once a shard is complete on disk (renamed), with what was added for each of its samples. */
  onShard(shard: ShardFile, samples: { key: string; info: T }[]): void;
}

interface OpenShard<T> {
  number: number;
  tar: TarWriter;
  samples: { key: string; info: T }[];
}

/**
 * Writes one split's samples into numbered shards: `<prefix>-NNNNNN.tar.partial`, renamed
 * to `.tar` when it closes at `samplesPerShard` samples or before `maxShardBytes` would be passed.
 * A sample is written with one write of its members, so a shard never holds half a sample.
 * `info` is the caller's record of a sample (e.g. its pair id), handed back in `onShard`.
 */
export class SplitWriter<T = undefined> {
  private current: OpenShard<T> | undefined;
  private nextNumber: number;
  private readonly digits: number;
  readonly written = { samples: 0, shards: 0, bytes: 0 };

  constructor(private readonly o: SplitWriterOptions<T>) {
    this.nextNumber = o.firstNumber ?? 0;
    this.digits = indexDigits(o.samplesPerShard);
  }

  add(sample: WdsSample, info: T): void {
    let shard = this.current ?? this.open();
    let encoded = this.encode(shard, sample);
    // The file's size once closed, end-of-archive blocks and record padding included, decides.
    if (shard.samples.length > 0 && finishedTarBytes(shard.tar.bytes + encoded.bytes.length) > this.o.maxShardBytes) {
      this.close();
      shard = this.open();
      encoded = this.encode(shard, sample);
    }
    shard.tar.write(encoded.bytes);
    shard.samples.push({ key: encoded.key, info });
    if (shard.samples.length >= this.o.samplesPerShard) this.close();
  }

  /** The sample's members, sorted by name, as one buffer. */
  private encode(shard: OpenShard<T>, sample: WdsSample): { key: string; bytes: Buffer } {
    const key = sample.key ?? (this.o.keyPrefix ?? '') + sampleKey(this.o.split, shard.number, shard.samples.length, this.digits);
    if (key.includes('.')) throw new Error(`WebDataset keys have no dots: ${key}`);
    const members = typeof sample.members === 'function' ? sample.members(key) : sample.members;
    const bytes = encodeTarMembers(
      Object.keys(members)
        .sort()
        .map((ext) => {
          const body = members[ext] as Uint8Array | string;
          return { name: `${key}.${ext}`, data: typeof body === 'string' ? Buffer.from(body, 'utf8') : body };
        }),
    );
    return { key, bytes };
  }

  /** Closes the open shard, if any: finish, rename into place, record. */
  close(): void {
    const shard = this.current;
    if (!shard) return;
    this.current = undefined;
    const name = shardFileName(this.o.prefix, shard.number);
    const path = join(this.o.dir, name);
    let bytes: number;
    try {
      const done = shard.tar.finish();
      bytes = done.bytes;
      renameSync(shard.tar.path, path);
      this.o.onShard({ name, split: this.o.split, number: shard.number, samples: shard.samples.length, bytes, sha256: done.sha256 }, shard.samples);
    } catch (err) {
      // A full disk or a store error: no shard file without its row, no .partial left behind.
      shard.tar.abort();
      rmSync(path, { force: true });
      throw err;
    }
    this.written.samples += shard.samples.length;
    this.written.shards += 1;
    this.written.bytes += bytes;
  }

  /** Drops the open shard without recording it (its samples are written by the next run). */
  abort(): void {
    this.current?.tar.abort();
    this.current = undefined;
  }

  private open(): OpenShard<T> {
    const number = this.nextNumber++;
    const path = join(this.o.dir, `${shardFileName(this.o.prefix, number)}.partial`);
    this.current = { number, tar: new TarWriter(path), samples: [] };
    return this.current;
  }
}
