import { hostOf } from '../../html/url.js';
import type { IngestBatch, IngestPair, IngestStore } from '../../store/ingest.js';
import type { StageContext } from '../../util/context.js';
import { altKey, normalizeAlt, wordCount } from '../../util/text.js';
import { readTextList } from './lists.js';
import { InputError } from './open-input.js';
import { readParquet } from './parquet.js';
import type { Prefilter } from './prefilter.js';
import type { InputSource, ListColumns, SourceUnit } from './types.js';
import { readWarcUnits } from './warc-records.js';
import { makeWarcRecordReader } from './warc.js';
import { watMemberToUnit, watRecordToUnit } from './wat.js';

/**
 * One input file: skip it when an earlier run read it to the end, else read from its saved
 * resume point and write batches, each in one transaction together with the new resume point.
 * A kill loses at most the batch being read; the next run starts where the last commit left off,
 * so nothing is read twice into the store and nothing is skipped.
 */

export interface ReadOptions {
  columns: ListColumns;
  batchSize: number;
  maxUrlLength: number;
  maxPageBytes: number;
  userAgent: string;
  tmpDir: string;
  prefilter: Prefilter | null;
  /** A partitioned run: whether it owns an image host (null: every host). */
  owns: ((host: string) => boolean) | null;
}

export interface FileOutcome {
  source: string;
  skipped: boolean;
  resumed: boolean;
  records: number;
  pairsNew: number;
  rejected: Record<string, number>;
  prefiltered: Record<string, number>;
  /** Pairs skipped because another partition owns their image host (it reads the same rows). */
  otherPartition: number;
  bytesRead: number;
  error: string | null;
}

/** Network failures leave the file to be resumed by the next run; bad data ends it for good. */
const RETRYABLE = /^(fetch_failed|http_(408|429|5\d\d)|too_many_redirects)$/;

export async function ingestFile(store: IngestStore, input: InputSource, options: ReadOptions, ctx: StageContext): Promise<FileOutcome> {
  const outcome: FileOutcome = { source: input.source, skipped: false, resumed: false, records: 0, pairsNew: 0, rejected: {}, prefiltered: {}, otherPartition: 0, bytesRead: 0, error: null };
  const prior = store.getFile(input.source);
  if (prior?.status === 'done' && prior.size === input.size && prior.mtime_ms === input.mtimeMs) {
    outcome.skipped = true;
    return outcome;
  }
  const file = store.openFile(input.source, input.format, input.size, input.mtimeMs, Date.now());
  outcome.resumed = file.position > 0;
  const pageOfList = listPageUrl(input.source);
  let batch = newBatch(file.position);
  const flush = (): void => {
    const result = store.writeBatch(file.id, batch, Date.now());
    outcome.pairsNew += result.newPairs;
    batch = newBatch(batch.position);
    ctx.log.progress('ingest', { file: shortName(input.source), records: outcome.records, pairs: outcome.pairsNew });
  };
  try {
    for await (const unit of readUnits(input, file.position, options, ctx.signal)) {
      addUnit(batch, unit, options, pageOfList, outcome);
      if (batch.records >= options.batchSize || batch.pairs.length >= options.batchSize * 4) flush();
    }
  } catch (err) {
    if (ctx.signal.aborted) return outcome; // Ctrl-C aborted a read: `finally` keeps what was read
    const failure = asInputError(err, input);
    if (!failure) throw err;
    outcome.error = failure.message;
  } finally {
    if (batch.records > 0) flush();
  }
  if (ctx.signal.aborted) return outcome;
  outcome.bytesRead = Math.max(0, (input.size ?? 0) - (input.format === 'wat' || input.format === 'warc' ? file.position : 0));
  const retry = outcome.error !== null && RETRYABLE.test(outcome.error.split(':')[0]!);
  if (!retry) store.finishFile(file.id, outcome.error, Date.now());
  if (outcome.error !== null) ctx.log.warn(`ingest: ${input.source}: ${outcome.error}${retry ? ' (the next run tries again)' : ''}`);
  return outcome;
}

/** Network errors of a URL input while its body streams (a reset, a timeout) are the file's, not the run's. */
const NETWORK_CODES = /^(UND_ERR|ECONNRESET|EPIPE|ETIMEDOUT|ECONNREFUSED)/;

function asInputError(err: unknown, input: InputSource): InputError | undefined {
  if (err instanceof InputError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (input.isUrl && NETWORK_CODES.test(code)) return new InputError('fetch_failed', `${input.source}: ${(err as Error).message}`);
  return undefined;
}

function newBatch(position: number): IngestBatch {
  return { pairs: [], rejects: [], records: 0, position };
}

function readUnits(input: InputSource, from: number, o: ReadOptions, signal: AbortSignal): AsyncIterable<SourceUnit> {
  const net = { userAgent: o.userAgent, signal };
  switch (input.format) {
    case 'wat':
      return readWarcUnits(input, from, watRecordToUnit, net, watMemberToUnit);
    case 'warc':
      return readWarcUnits(input, from, makeWarcRecordReader(o.maxPageBytes), net);
    case 'parquet':
      return readParquet(input, from, o.columns, { ...net, tmpDir: o.tmpDir });
    default:
      return readTextList(input, from, o.columns, net);
  }
}

/** A unit's pairs in stored form (too long or empty ones dropped, as the crawl does), judged by the prefilter. */
function addUnit(batch: IngestBatch, unit: SourceUnit, o: ReadOptions, pageOfList: string, outcome: FileOutcome): void {
  batch.records += 1;
  batch.position = unit.next;
  outcome.records += 1;
  for (const r of unit.rejects) {
    batch.rejects.push({ position: unit.position, reason: r.reason, detail: r.detail });
    outcome.rejected[r.reason] = (outcome.rejected[r.reason] ?? 0) + 1;
  }
  for (const found of unit.pairs) {
    const altNorm = normalizeAlt(found.altRaw);
    if (found.imageUrl.length > o.maxUrlLength || altNorm === '') continue;
    // Every partition reads the same inputs: a pair belongs to the one owning its image host.
    if (o.owns && !o.owns(hostOf(found.imageUrl))) {
      outcome.otherPartition += 1;
      continue;
    }
    const pageUrl = found.pageUrl ?? pageOfList;
    const pair: IngestPair = {
      position: unit.position,
      pageUrl,
      pageHost: found.pageUrl === null ? '' : hostOf(pageUrl),
      pageKind: found.pageUrl === null ? 'list' : 'page',
      pageOptOut: found.pageOptOut,
      imageUrl: found.imageUrl,
      imageHost: hostOf(found.imageUrl),
      altRaw: found.altRaw,
      altNorm,
      altKey: altKey(altNorm),
      wordCount: wordCount(altNorm),
      prefilter: null,
      columns: found.columns === null ? null : JSON.stringify(found.columns),
    };
    if (o.prefilter) {
      pair.prefilter = o.prefilter({ ...pair, imageOptOut: null });
      if (pair.prefilter !== null) outcome.prefiltered[pair.prefilter] = (outcome.prefiltered[pair.prefilter] ?? 0) + 1;
    }
    batch.pairs.push(pair);
  }
}

/** A list without a page column: the list itself stands in as the page (a file: URL, or its own URL). */
function listPageUrl(source: string): string {
  if (/^https?:\/\//i.test(source)) return source;
  return new URL(`file://${source.split('\\').join('/')}`).href;
}

function shortName(source: string): string {
  return source.length > 40 ? `…${source.slice(-39)}` : source;
}
