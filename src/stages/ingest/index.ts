/**
 * ingest: URL/caption lists and Common Crawl WAT / WARC files → pages, images (queued) and pairs
 * in the store, the same rows a crawl writes, so filter, shard and the rest work unchanged.
 *
 * In: the `ingest` config (inputs, columns, prefilter), `crawl.maxUrlLength` / `maxPageBytes` /
 * `contactUrl`, the `filter` config (for --prefilter) and a data directory. Out: pages
 * (status 'ingested'), images (queued), pairs, their provenance (ingest_pairs: file + row or
 * record offset), rows that gave no pair (ingest_rejects), progress per input file
 * (ingest_files), and an IngestSummary. Images are downloaded by the crawl stage's own scheduler
 * (src/flows/ingest.ts composes the two), so politeness is the crawler's.
 * May import: store/, util/, config/, errors, html/, net/, filters/. Nothing from other stages.
 *
 * Parts: inputs.ts (PATH → sources), open-input.ts (bytes, seek / Range, gunzip), lists.ts with
 * csv.ts and rows.ts, parquet.ts, warc-records.ts with wat.ts and warc.ts, prefilter.ts,
 * ingest-file.ts (one file: read → batches → store, resumable).
 */
import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { usageError } from '../../errors.js';
import { makeUserAgent } from '../../net/user-agent.js';
import { openStore } from '../../store/db.js';
import { IngestStore } from '../../store/ingest.js';
import { hasCrawlRows, readPartitionMeta, writePartitionMeta } from '../../store/partition.js';
import type { Db } from '../../store/db.js';
import type { StageContext } from '../../util/context.js';
import { formatPartition, hostPartition, type Partition } from '../../util/partition.js';
import { ingestFile, type FileOutcome, type ReadOptions } from './ingest-file.js';
import { resolveInputs } from './inputs.js';
import { makePrefilter } from './prefilter.js';
import type { InputSource } from './types.js';

export interface IngestSummary {
  files: number;
  /** Files read to the end by an earlier run: nothing to do. */
  filesSkipped: number;
  /** Files that ended early (truncated, unreachable): `errors` says why. */
  filesWithErrors: number;
  resumed: number;
  records: number;
  pairsNew: number;
  rejected: Record<string, number>;
  prefiltered: Record<string, number>;
  /** A partitioned run: its share (null: not partitioned). */
  partition: Partition | null;
  /** Pairs skipped because another partition owns their image host. */
  otherPartition: number;
  /** Compressed input bytes read by this run. */
  bytesRead: number;
  errors: Record<string, string>;
  stoppedBy: 'done' | 'interrupted';
  seconds: number;
  recordsPerSecond: number;
  pairsPerSecond: number;
}

export type IngestStageConfig = Pick<Config, 'ingest' | 'crawl' | 'filter'>;

/** Every input, checked up front (a missing file or an unknown format exits 2 before any work). */
export function resolveAllInputs(config: IngestStageConfig['ingest']): InputSource[] {
  const inputs = [
    ...resolveInputs(config.inputs, 'list', '--input', config.inputFormat),
    ...resolveInputs(config.wat, 'wat', '--wat', null),
    ...resolveInputs(config.warc, 'warc', '--warc', null),
  ];
  if (inputs.length === 0) throw usageError('nothing to ingest: give --input PATH..., --wat PATH... or --warc PATH...', 'e.g. align-data ingest --input laion.parquet --url-col URL --caption-col TEXT');
  return inputs;
}

export async function runIngest(config: IngestStageConfig, ctx: StageContext, partition: Partition | null = null): Promise<IngestSummary> {
  const inputs = resolveAllInputs(config.ingest);
  const startedAt = Date.now();
  const db = openStore(ctx.dataDir);
  try {
    claimPartition(db, partition, ctx);
    const store = new IngestStore(db);
    const options: ReadOptions = {
      columns: { ...config.ingest, saveColumns: config.ingest.saveColumns },
      batchSize: config.ingest.batchSize,
      maxUrlLength: config.crawl.maxUrlLength,
      maxPageBytes: config.crawl.maxPageBytes,
      userAgent: makeUserAgent(config.crawl.contactUrl),
      tmpDir: join(ctx.dataDir, 'ingest-tmp'),
      prefilter: config.ingest.prefilter ? await makePrefilter(config.filter, store) : null,
      owns: partition ? (host) => hostPartition(host, partition.count) === partition.index : null,
    };
    const outcomes: FileOutcome[] = [];
    for (const input of inputs) {
      if (ctx.signal.aborted) break;
      outcomes.push(await ingestFile(store, input, options, ctx));
    }
    ctx.log.clearProgress();
    return { ...summarize(outcomes, inputs.length, ctx.signal.aborted, startedAt), partition };
  } finally {
    db.close();
  }
}

/**
 * A data dir belongs to one partition for good (the same rule as crawl's): another I/N, or none
 * on a partition's dir, or I/N on a dir filled without partitions, stops before any work.
 */
function claimPartition(db: Db, partition: Partition | null, ctx: StageContext): void {
  const meta = readPartitionMeta(db);
  if (partition === null) {
    if (meta) throw usageError(`${ctx.dataDir} holds partition ${meta.index}/${meta.count}: give --partition ${meta.index}/${meta.count}`);
    return;
  }
  if (meta && (meta.index !== partition.index || meta.count !== partition.count)) {
    throw usageError(`partition ${partition.index}/${partition.count}: ${ctx.dataDir} holds partition ${meta.index}/${meta.count}`, 'give each task its own --data-dir, e.g. run/part-$I');
  }
  if (!meta && hasCrawlRows(db)) throw usageError(`partition ${partition.index}/${partition.count}: ${ctx.dataDir} was filled without partitions`, 'give each task a new --data-dir');
  writePartitionMeta(db, partition, Date.now());
  ctx.log.info(`ingest: partition ${formatPartition(partition)}: keeping only the rows whose image host it owns`);
}

function summarize(outcomes: FileOutcome[], files: number, interrupted: boolean, startedAt: number): IngestSummary {
  const seconds = (Date.now() - startedAt) / 1000;
  const add = (into: Record<string, number>, from: Record<string, number>): void => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  const s: IngestSummary = {
    files, filesSkipped: 0, filesWithErrors: 0, resumed: 0, records: 0, pairsNew: 0, rejected: {}, prefiltered: {}, partition: null, otherPartition: 0,
    bytesRead: 0, errors: {}, stoppedBy: interrupted ? 'interrupted' : 'done', seconds, recordsPerSecond: 0, pairsPerSecond: 0,
  };
  for (const o of outcomes) {
    if (o.skipped) s.filesSkipped += 1;
    if (o.resumed) s.resumed += 1;
    if (o.error !== null) {
      s.filesWithErrors += 1;
      s.errors[o.source] = o.error;
    }
    s.records += o.records;
    s.pairsNew += o.pairsNew;
    s.otherPartition += o.otherPartition;
    s.bytesRead += o.bytesRead;
    add(s.rejected, o.rejected);
    add(s.prefiltered, o.prefiltered);
  }
  s.recordsPerSecond = s.records / (seconds || 1e-3);
  s.pairsPerSecond = s.pairsNew / (seconds || 1e-3);
  return s;
}
