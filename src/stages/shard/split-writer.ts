import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SampleRecord, ShardRecord } from '../../store/shard.js';
import { type Split, indexDigits, sampleKey, shardFileName } from './keys.js';
import { TarWriter, encodeTarMembers } from './tar.js';

/** One encoded sample, ready to be written: everything but its key. */
export interface SampleContent {
  pairId: number;
  jpeg: Buffer;
  width: number;
  height: number;
  alt: string;
  /** The .json fields other than `key`, in the order they are written. */
  meta: Record<string, unknown>;
}

export interface SplitWriterOptions {
  dir: string;
  split: Split;
  prefix: string;
  firstNumber: number;
  samplesPerShard: number;
  maxShardBytes: number;
  optionsHash: string;
  /** Called once a shard is complete on disk (renamed): record it. */
  onShard(shard: ShardRecord, samples: SampleRecord[]): void;
}

interface OpenShard {
  number: number;
  tar: TarWriter;
  samples: SampleRecord[];
}

/** End-of-archive blocks plus record padding: at most this much is added when a shard closes. */
const TAR_TRAILER_MAX = 20 * 512;

/**
 * Writes one split's samples into numbered shards: `<prefix>-NNNNNN.tar.partial`, renamed
 * to `.tar` when it closes at `samplesPerShard` samples or before `maxShardBytes` would be passed.
 * A sample is written with one write of its three members, so a shard never holds half a sample.
 */
export class SplitWriter {
  private current: OpenShard | undefined;
  private nextNumber: number;
  private readonly digits: number;
  readonly written = { samples: 0, shards: 0, bytes: 0 };

  constructor(private readonly o: SplitWriterOptions) {
    this.nextNumber = o.firstNumber;
    this.digits = indexDigits(o.samplesPerShard);
  }

  add(sample: SampleContent): void {
    let shard = this.current ?? this.open();
    let encoded = this.encode(shard, sample);
    if (shard.samples.length > 0 && shard.tar.bytes + encoded.bytes.length + TAR_TRAILER_MAX > this.o.maxShardBytes) {
      this.close();
      shard = this.open();
      encoded = this.encode(shard, sample);
    }
    shard.tar.write(encoded.bytes);
    shard.samples.push({ pairId: sample.pairId, key: encoded.key, width: sample.width, height: sample.height });
    if (shard.samples.length >= this.o.samplesPerShard) this.close();
  }

  /** The sample's three members, sorted by name (.jpg, .json, .txt), as one buffer. */
  private encode(shard: OpenShard, sample: SampleContent): { key: string; bytes: Buffer } {
    const key = sampleKey(this.o.split, shard.number, shard.samples.length, this.digits);
    const json = Buffer.from(JSON.stringify({ key, ...sample.meta }), 'utf8');
    const bytes = encodeTarMembers([
      { name: `${key}.jpg`, data: sample.jpeg },
      { name: `${key}.json`, data: json },
      { name: `${key}.txt`, data: Buffer.from(sample.alt, 'utf8') },
    ]);
    return { key, bytes };
  }

  /** Closes the open shard, if any: finish, rename into place, record. */
  close(): void {
    const shard = this.current;
    if (!shard) return;
    this.current = undefined;
    const name = shardFileName(this.o.prefix, shard.number);
    const path = join(this.o.dir, name);
    let done: { bytes: number; sha256: string } | undefined;
    try {
      done = shard.tar.finish();
      renameSync(shard.tar.path, path);
      this.o.onShard(
        { name, split: this.o.split, number: shard.number, samples: shard.samples.length, bytes: done.bytes, sha256: done.sha256, optionsHash: this.o.optionsHash, createdAt: Date.now() },
        shard.samples,
      );
    } catch (err) {
      // A full disk or a store error: no shard file without its row, no .partial left behind.
      shard.tar.abort();
      rmSync(path, { force: true });
      throw err;
    }
    const { bytes } = done;
    this.written.samples += shard.samples.length;
    this.written.shards += 1;
    this.written.bytes += bytes;
  }

  /** Drops the open shard without recording it (its pairs are written by the next run). */
  abort(): void {
    this.current?.tar.abort();
    this.current = undefined;
  }

  private open(): OpenShard {
    const number = this.nextNumber++;
    const path = join(this.o.dir, `${shardFileName(this.o.prefix, number)}.partial`);
    this.current = { number, tar: new TarWriter(path), samples: [] };
    return this.current;
  }
}
