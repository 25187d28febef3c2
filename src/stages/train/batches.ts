/**
 * Samples → batches: images decoded (in parallel, one batch ahead of the training step) and
 * scaled to [-1, 1], captions tokenised and padded to the longest in the batch.
 */
import { decodeImage, drawAugment } from './decode.js';
import type { Rng } from '../../util/rng.js';
import type { RawSample, ReadCounts } from '../../webdataset/reader.js';
import type { WordPieceTokenizer } from './tokenizer.js';

export interface Batch {
  size: number;
  /** size × resolution × resolution × 3, in [-1, 1]. */
  images: Float32Array;
  /** size × length token ids, [PAD]-padded. */
  tokens: Int32Array;
  length: number;
  captions: string[];
}

export interface BatchOptions {
  batchSize: number;
  resolution: number;
  tokenizer: WordPieceTokenizer;
  maxTokens: number;
  counts: ReadCounts;
  /** Random crops and flips (training); without it images are centre-cropped (eval). */
  augment?: { rng: Rng; cropMinScale: number; flip: boolean };
  /** Keep a last batch smaller than batchSize (eval). @default false */
  keepPartial?: boolean;
}

interface Decoded {
  pixels: Uint8Array;
  caption: string;
}

/**
 * Pulls batches from a sample stream, decoding the next batch while the caller trains on this
 * one. Raw samples are read ahead (two batches' worth), so that when a batch is started every
 * one of its decodes can be handed to sharp's threads at once, before the caller's step blocks
 * the main thread.
 */
export class BatchStream {
  private pending: Promise<Batch | null> | undefined;
  private readonly ahead: ReadAhead<RawSample>;

  constructor(
    samples: AsyncIterator<RawSample>,
    private readonly options: BatchOptions,
  ) {
    this.ahead = new ReadAhead(samples, 2 * options.batchSize);
  }

  /** The next batch, or null when the samples ran out. */
  async next(): Promise<Batch | null> {
    const current = this.pending ?? this.build();
    const batch = await current;
    this.pending = batch ? this.build() : undefined;
    // Marked handled now; a failure still reaches whoever awaits it on the next call.
    this.pending?.catch(() => undefined);
    return batch;
  }

  /** Stops reading (closes the open shard). */
  async close(): Promise<void> {
    await this.pending?.catch(() => null);
    this.pending = undefined;
    await this.ahead.close();
  }

  private async build(): Promise<Batch | null> {
    const { batchSize } = this.options;
    const good: Decoded[] = [];
    while (good.length < batchSize) {
      const raw = this.ahead.takeNow(batchSize - good.length) ?? (await this.ahead.take(batchSize - good.length));
      if (raw.length === 0) break;
      good.push(...(await this.decodeAll(raw)));
    }
    if (good.length === 0 || (good.length < batchSize && !this.options.keepPartial)) return null;
    return this.assemble(good);
  }

  private async decodeAll(raw: RawSample[]): Promise<Decoded[]> {
    const { resolution, augment, counts } = this.options;
    // Draw every crop before any decode starts, so the order of completion cannot change them.
    const draws = raw.map(() => (augment ? drawAugment(augment.rng, augment.cropMinScale, augment.flip) : undefined));
    const pixels = await Promise.all(raw.map((s, i) => decodeImage(s.image, resolution, draws[i])));
    const out: Decoded[] = [];
    pixels.forEach((p, i) => {
      if (p) out.push({ pixels: p, caption: (raw[i] as RawSample).caption });
      else counts.corrupt++;
    });
    return out;
  }

  private assemble(items: Decoded[]): Batch {
    const { resolution, tokenizer, maxTokens } = this.options;
    const pixelsPer = resolution * resolution * 3;
    const images = new Float32Array(items.length * pixelsPer);
    items.forEach((item, b) => {
      const offset = b * pixelsPer;
      for (let k = 0; k < pixelsPer; k++) images[offset + k] = (item.pixels[k] as number) / 127.5 - 1;
    });
    const ids = items.map((item) => tokenizer.encode(item.caption, { maxTokens }));
    const length = Math.max(...ids.map((t) => t.length));
    const tokens = new Int32Array(items.length * length).fill(tokenizer.padId);
    ids.forEach((t, b) => tokens.set(t, b * length));
    return { size: items.length, images, tokens, length, captions: items.map((i) => i.caption) };
  }
}

/** Keeps up to `target` items read ahead of the consumer, refilling whenever the event loop is free. */
class ReadAhead<T> {
  private readonly items: T[] = [];
  private done = false;
  private filling: Promise<void> | undefined;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly target: number,
  ) {}

  /** n items (fewer at the end) if they are already here, without waiting; else undefined. */
  takeNow(n: number): T[] | undefined {
    if (this.items.length < n && !this.done) return undefined;
    const out = this.items.splice(0, n);
    void this.fill();
    return out;
  }

  /** n items (fewer at the end), waiting for the source as needed. */
  async take(n: number): Promise<T[]> {
    while (this.items.length < n && !this.done) await this.fill();
    const out = this.items.splice(0, n);
    void this.fill();
    return out;
  }

  async close(): Promise<void> {
    this.done = true;
    await this.filling?.catch(() => undefined);
    await this.source.return?.();
  }

  private fill(): Promise<void> {
    if (this.filling) return this.filling;
    if (this.done || this.items.length >= this.target) return Promise.resolve();
    const run = async (): Promise<void> => {
      while (!this.done && this.items.length < this.target) {
        const r = await this.source.next();
        if (r.done) this.done = true;
        else this.items.push(r.value);
      }
    };
    this.filling = run().finally(() => {
      this.filling = undefined;
    });
    return this.filling;
  }
}
