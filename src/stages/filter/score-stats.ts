/**
 * The model-score part of `stats` as text: the histogram of the pair scores `align-data score`
 * stored (collectScoreStats in the store), how many of each bucket the last filter run kept, and
 * the threshold that run applied.
 */
import type { ModelScoreStats } from '../../store/scores.js';
import { formatCount as n, formatPercent as pct, renderTable as table } from './format.js';

export function formatScoreStats(s: ModelScoreStats): string[] {
  const head = `model score (image/caption cosine${s.run ? ` of ${s.run.runDir} at step ${s.run.step}` : ''}; mean ${s.mean?.toFixed(3) ?? '-'})`;
  const threshold = s.threshold === null ? 'model-score filter not applied' : `threshold ${s.threshold.toFixed(4)}`;
  const rows = s.histogram.map((b) => {
    const marker = s.threshold !== null && s.threshold >= b.from && s.threshold < b.from + 0.1 ? ' ◀ threshold' : '';
    return [`${b.from.toFixed(1)} … ${(b.from + 0.1).toFixed(1)}${marker}`, n(b.pairs), n(b.kept), pct(b.kept, b.pairs)];
  });
  return ['', head, `  ${threshold}`, ...table(['score', 'pairs', 'kept', 'kept %'], rows)];
}
