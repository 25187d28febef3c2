/**
 * The model-score part of `stats`: the histogram of the pair scores `align-data score` stored,
 * how many of each bucket the last filter run kept, and the threshold that run applied.
 */
import type { Db } from '../../store/db.js';
import { ScoreStore, type ScoreBucket } from '../../store/scores.js';
import { formatCount as n, formatPercent as pct, renderTable as table } from './format.js';

export interface ModelScoreStats {
  /** Pairs with a score (their image decoded). */
  scored: number;
  mean: number | null;
  /** The run (and checkpoint step) most scores came from. */
  run: { runDir: string; step: number } | null;
  /** The score the last filter run kept down to, when model-score was enabled in it. */
  threshold: number | null;
  histogram: ScoreBucket[];
}

/** Null when nothing was scored. */
export function collectScoreStats(db: Db): ModelScoreStats | null {
  const store = new ScoreStore(db);
  const { withScore } = store.counts();
  if (withScore === 0) return null;
  const options = store.lastFilterOptions();
  let threshold: number | null = null;
  if (options?.enabled) threshold = options.minScore ?? (options.keepFraction === undefined ? null : store.thresholdFor(options.keepFraction));
  return { scored: withScore, mean: store.mean(), run: store.mainRun() ?? null, threshold, histogram: store.histogram() };
}

export function formatScoreStats(s: ModelScoreStats): string[] {
  const head = `model score (image/caption cosine${s.run ? ` of ${s.run.runDir} at step ${s.run.step}` : ''}; mean ${s.mean?.toFixed(3) ?? '-'})`;
  const threshold = s.threshold === null ? 'model-score filter not applied' : `threshold ${s.threshold.toFixed(4)}`;
  const rows = s.histogram.map((b) => {
    const marker = s.threshold !== null && s.threshold >= b.from && s.threshold < b.from + 0.1 ? ' ◀ threshold' : '';
    return [`${b.from.toFixed(1)} … ${(b.from + 0.1).toFixed(1)}${marker}`, n(b.pairs), n(b.kept), pct(b.kept, b.pairs)];
  });
  return ['', head, `  ${threshold}`, ...table(['score', 'pairs', 'kept', 'kept %'], rows)];
}
