import type { ShardConfig } from '../../config/shard.js';
import type { FailureRecord, SampleRecord, ShardCandidate, ShardStore } from '../../store/shard.js';
import type { Logger } from '../../util/log.js';
import type { Split } from '../../webdataset/keys.js';
import { SplitWriter, type WdsSample } from '../../webdataset/split-writer.js';
import type { EncodeResult } from './encode.js';
import { splitOf } from './keys.js';
import { mapOrdered } from './map-ordered.js';

/** What the store records of a sample, less the key the writer gives it. */
type SampleInfo = Omit<SampleRecord, 'key'>;

export interface WriteSamplesOptions {
  dir: string;
  config: ShardConfig;
  optionsHash: string;
  concurrency: number;
  encode(candidate: ShardCandidate): Promise<EncodeResult>;
  log: Logger;
  signal: AbortSignal;
  /** A shard partition's key prefix (keys unique across partitions). @default '' */
  keyPrefix?: string;
  /** For progress only. */
  queued: number;
}

export interface WriteSamplesResult {
  train: SplitWriter['written'];
  val: SplitWriter['written'];
  failed: Record<string, number>;
  processed: number;
}

/** Kept pairs are read from the store this many at a time. */
const PAGE_SIZE = 1000;

/**
 * Encodes the queued candidates in parallel (a bounded window, results in queue order) and
 * writes each into its split's shards. A shard and its samples are recorded when it closes;
 * failures are recorded with their reason and counted. On Ctrl-C the open shards are closed
 * with the complete samples they hold, and the rest waits for the next run.
 */
export async function writeSamples(store: ShardStore, o: WriteSamplesOptions): Promise<WriteSamplesResult> {
  const failures: FailureRecord[] = [];
  const flushFailures = (): void => store.recordFailures(failures.splice(0), Date.now());
  const writers = {
    train: makeWriter('train', o, store, flushFailures),
    val: makeWriter('val', o, store, flushFailures),
  };
  const failed: Record<string, number> = {};
  let processed = 0;
  const started = Date.now();
  try {
    const jobs = mapOrdered(readCandidates(store), async (c) => ({ c, r: await o.encode(c) }), {
      concurrency: o.concurrency,
      window: o.concurrency * 2,
      signal: o.signal,
    });
    for await (const { c, r } of jobs) {
      processed += 1;
      if (r.ok) {
        writers[splitOf(c.sha256, o.config.valFraction)].add(toSample(c, r), { pairId: c.pairId, width: r.width, height: r.height });
      } else {
        failures.push({ pairId: c.pairId, sha256: c.sha256, reason: r.reason, detail: r.detail });
        failed[r.reason] = (failed[r.reason] ?? 0) + 1;
        o.log.debug(`shard: skipped pair ${c.pairId} (${c.url}): ${r.reason}: ${r.detail}`);
      }
      const rate = processed / Math.max(1e-3, (Date.now() - started) / 1000);
      o.log.progress('shard', { done: processed, of: o.queued, failed: failures.length, 'img/s': rate });
    }
    writers.train.close();
    writers.val.close();
    flushFailures();
  } catch (err) {
    writers.train.abort();
    writers.val.abort();
    throw err;
  }
  return { train: writers.train.written, val: writers.val.written, failed, processed };
}

function makeWriter(split: Split, o: WriteSamplesOptions, store: ShardStore, flushFailures: () => void): SplitWriter<SampleInfo> {
  const { config } = o;
  return new SplitWriter<SampleInfo>({
    dir: o.dir,
    split,
    prefix: split === 'train' ? config.trainPrefix : config.valPrefix,
    firstNumber: store.lastShardNumber(split) + 1,
    samplesPerShard: config.samplesPerShard,
    maxShardBytes: config.maxShardBytes,
    keyPrefix: o.keyPrefix ?? '',
    onShard(shard, samples) {
      store.recordShard(
        { ...shard, optionsHash: o.optionsHash, createdAt: Date.now() },
        samples.map((s) => ({ ...s.info, key: s.key })),
      );
      flushFailures();
      o.log.debug(`shard: wrote ${shard.name} (${shard.samples} samples, ${shard.bytes} bytes)`);
    },
  });
}

/** The queue, page by page: never the whole kept set in memory. */
function* readCandidates(store: ShardStore): Generator<ShardCandidate> {
  let after = 0;
  for (;;) {
    const page = store.pageCandidates(after, PAGE_SIZE);
    if (page.length === 0) return;
    yield* page;
    after = page[page.length - 1]!.seq;
  }
}

/** The sample's members: the re-encoded image, its .json (key first) and the alt text. */
function toSample(c: ShardCandidate, r: Extract<EncodeResult, { ok: true }>): WdsSample {
  const meta = {
    url: c.url,
    page_url: c.pageUrl,
    alt: c.alt,
    alt_raw: c.altRaw,
    sha256: c.sha256,
    original_width: c.width,
    original_height: c.height,
    original_format: c.format,
    width: r.width,
    height: r.height,
    // Columns an ingest was asked to keep (--save-columns): nested, so they never shadow a key above.
    ...(c.savedColumns !== null ? { columns: JSON.parse(c.savedColumns) as unknown } : {}),
  };
  return { members: (key) => ({ jpg: r.data, json: JSON.stringify({ key, ...meta }), txt: c.alt }) };
}
