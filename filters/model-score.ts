/**
 * The second-stage filter of modern corpora (DataComp): keep the pairs whose image and caption a
 * model trained on the first-stage corpus finds alike. Scores come from `align-data score` (the
 * image/caption cosine, stored per pair); a pair without one (not scored yet, or its image did
 * not decode) is rejected. Off by default.
 */
import type { Filter, OptionsOf, SqlCondition, Zod } from './api.js';

const options = (z: Zod) =>
  z.strictObject({
    /** Apply this filter (needs `align-data score` first). @default false */
    enabled: z.boolean().default(false),
    /** Keep pairs whose score is at least this cosine; null: use keepFraction. @default null */
    minScore: z.number().min(-1).max(1).nullable().default(null),
    /** Keep the top fraction of the scored pairs: one global threshold, as DataComp's 30%. @default 0.3 */
    keepFraction: z.number().gt(0).max(1).default(0.3),
  });

type Options = OptionsOf<typeof options>;

/**
 * The score of the pair at rank ceil(n × keepFraction) among the n scored pairs: a subquery
 * SQLite evaluates once per run (it does not depend on the row), over the index on score.
 */
const FRACTION_THRESHOLD = `(SELECT score FROM pair_scores WHERE score IS NOT NULL ORDER BY score DESC LIMIT 1
  OFFSET max(0, CAST(ceil((SELECT count(score) FROM pair_scores) * :keepFraction) AS INTEGER) - 1))`;

export const modelScore: Filter<Options> = {
  name: 'model-score',
  describe: 'the image/caption score of a trained run (`align-data score`) is at least minScore, or in the top keepFraction',
  options,
  active: (o) => o.enabled,
  where: (o): SqlCondition =>
    o.minScore !== null
      ? { sql: 'model_score >= :minScore', params: { minScore: o.minScore } }
      : { sql: `model_score >= ${FRACTION_THRESHOLD}`, params: { keepFraction: o.keepFraction } },
};
