/**
 * `score`: the image/caption cosine of every pair whose image is stored, under a trained run, kept
 * in the store (pair_scores) with the run it came from, for the `model-score` filter: DataComp's
 * second-stage filter, done with a model trained on the first-stage corpus.
 *
 * Batched (one page of pairs at a time, each distinct image embedded once per page), incremental
 * (pairs already scored by this run and checkpoint are skipped) and resumable (each page is one
 * transaction). An image file that is missing or does not decode gets a NULL score and a reason.
 *
 * With a partition (`score --partition I/N` on a merged store): the pairs whose image's sha256
 * hashes to I, scored into score-parts/part-000I-of-000N/ (the merged store is only read);
 * `merge --scores` gathers the parts into the store's pair_scores.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AlignError } from '../../errors.js';
import { openStore, storePath } from '../../store/db.js';
import { openPartitionScoreStore } from '../../store/score-partition.js';
import { ScoreStore, type PairToScore, type ScoreBucket, type ScoreRow } from '../../store/scores.js';
import type { StageContext } from '../../util/context.js';
import { imagePath } from '../../util/image-path.js';
import { formatPartition, partName, type Partition } from '../../util/partition.js';
import { dot, row, type VectorEncoder } from './vectors.js';

export interface ScoreOptions {
  /** Pairs per batch. @default 64 */
  batchSize?: number;
  /** This task's share of the pairs (by image sha256), scored into scorePartDir. @default null */
  partition?: Partition | null;
}

/** A score partition's folder: `score-parts/part-0003-of-0016` in the merged data dir. */
export function scorePartDir(dataDir: string, p: { index: number; count: number }): string {
  return join(dataDir, 'score-parts', partName(p));
}

export interface ScoreSummary {
  run: string;
  step: number;
  /** Pairs scored by this invocation. */
  scored: number;
  /** Of those, pairs whose image was missing or did not decode (NULL score). */
  failed: number;
  /** Pairs with a score in the store now (from any run); with a partition, in its part. */
  total: number;
  mean: number | null;
  histogram: ScoreBucket[];
  seconds: number;
  partition?: Partition | null;
}

export async function runScore(encoder: VectorEncoder, ctx: StageContext, options: ScoreOptions = {}): Promise<ScoreSummary> {
  if (!existsSync(storePath(ctx.dataDir))) {
    throw new AlignError('E_NO_DATA', `no store in ${ctx.dataDir}: nothing to score`, { hint: 'run `align-data crawl` first, or pass --data-dir' });
  }
  const started = performance.now();
  const partition = options.partition ?? null;
  if (partition) ctx.log.info(`score: partition ${formatPartition(partition)}: scoring the pairs whose image hashes to it into ${scorePartDir(ctx.dataDir, partition)}`);
  const store = partition ? openPartitionScoreStore(ctx.dataDir, scorePartDir(ctx.dataDir, partition), partition) : new ScoreStore(openStore(ctx.dataDir));
  try {
    const runDir = resolve(encoder.runDir);
    const runId = store.scoreRunId(runDir, encoder.step, Date.now());
    const todo = store.countToScore(runId);
    const tally = { scored: 0, failed: 0, sum: 0 };
    let after = 0;
    for (;;) {
      if (ctx.signal.aborted) break;
      const page = store.pairsToScore(runId, after, options.batchSize ?? 64);
      if (page.length === 0) break;
      const rows = await scorePage(encoder, page, ctx.dataDir);
      store.saveScores(runId, rows);
      after = (page[page.length - 1] as PairToScore).pairId;
      for (const r of rows) if (r.score === null) tally.failed++;
      tally.scored += rows.length;
      ctx.log.progress('score', { pairs: `${tally.scored}/${todo}`, failed: tally.failed });
    }
    ctx.log.clearProgress();
    const histogram = store.histogram();
    const withScore = histogram.reduce((a, b) => a + b.pairs, 0);
    const mean = store.mean();
    const summary = { run: runDir, step: encoder.step, scored: tally.scored, failed: tally.failed, total: withScore, mean, histogram, seconds: (performance.now() - started) / 1000 };
    return partition ? { ...summary, partition } : summary;
  } finally {
    store.db.close();
  }
}

/** Scores one page of pairs: each distinct image read and embedded once, captions embedded together. */
async function scorePage(encoder: VectorEncoder, page: readonly PairToScore[], dataDir: string): Promise<ScoreRow[]> {
  const dim = encoder.embedDim;
  const shas = [...new Set(page.map((p) => p.sha256))];
  const bytes = shas.map((sha) => readImage(imagePath(dataDir, sha)));
  const present = shas.filter((_, i) => bytes[i] !== null);
  const images = await encoder.embedImages(bytes.filter((b): b is Buffer => b !== null));
  const slot = new Map(present.map((sha, i) => [sha, images.ok[i] ? i : -1]));
  const texts = await encoder.embedTexts(page.map((p) => p.caption));
  return page.map((p, j) => {
    const i = slot.get(p.sha256);
    if (i === undefined) return { pairId: p.pairId, score: null, error: 'image_missing' };
    if (i < 0) return { pairId: p.pairId, score: null, error: 'decode_failed' };
    return { pairId: p.pairId, score: dot(row(images.vectors, i, dim), texts, j * dim), error: null };
  });
}

function readImage(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
