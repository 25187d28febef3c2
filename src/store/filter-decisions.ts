/**
 * The decision statement: one INSERT ... SELECT that evaluates every filter over every pair of the
 * raw dataset (the temp tables of filter.ts), joining only what the filters read.
 */
import type { SqlValue } from '../../filters/api.js';

/** A filter condition in SQL: true keeps the pair. Column names are those of PAIR_COLUMNS. */
export interface SqlStep {
  name: string;
  sql: string;
  params: Record<string, SqlValue>;
}

/** A filter predicate in JS, run as a SQLite function over the named columns. */
export interface JsStep {
  name: string;
  columns: readonly string[];
  keep: (values: unknown[]) => boolean;
}

export type DecisionStep = SqlStep | JsStep;

type Join = 'm' | 'o' | 'p' | 'i' | 'b' | 'g' | 'ar' | 'ps';

/** Every column a filter may read, as the SQL that computes it and the join it needs. */
export const PAIR_COLUMNS: Readonly<Record<string, readonly [expr: string, join: Join | null]>> = {
  pair_id: ['f.pair_id', null],
  page_id: ['f.page_id', null],
  image_id: ['f.image_id', null],
  alt_raw: ['p.alt_raw', 'p'],
  alt_norm: ['p.alt_norm', 'p'],
  alt_key: ['p.alt_key', 'p'],
  word_count: ['f.word_count', null],
  sha256: ['b.sha256', 'b'],
  width: ['m.width', 'm'],
  height: ['m.height', 'm'],
  format: ['b.format', 'b'],
  bytes: ['b.bytes', 'b'],
  phash: ['b.phash', 'b'],
  image_url: ['i.url', 'i'],
  image_host: ['i.host', 'i'],
  image_opt_out: ['m.opt_out', 'm'],
  page_url: ['coalesce(g.final_url, g.url)', 'g'],
  page_host: ['g.host', 'g'],
  page_opt_out: ['o.opt_out', 'o'],
  images_per_alt: ['s.alt_images', null],
  alts_per_image: ['m.alts', 'm'],
  token_rank: ['coalesce(ar.token_rank, 0)', 'ar'],
  model_score: ['ps.score', 'ps'],
};

const JOINS: readonly [Join, string][] = [
  ['m', 'JOIN f_image_facts m ON m.image_id = f.image_id'],
  ['o', 'LEFT JOIN f_opt_pages o ON o.page_id = f.page_id'],
  ['p', 'JOIN pairs p ON p.id = f.pair_id'],
  ['i', 'JOIN images i ON i.id = f.image_id'],
  ['b', 'JOIN blobs b ON b.rowid = f.blob_id'],
  ['g', 'JOIN pages g ON g.id = f.page_id'],
  ['ar', 'LEFT JOIN f_alt_ranks ar ON ar.alt_id = f.alt_id'],
  // Scores of `align-data score` (migration 5); NULL for a pair not scored.
  ['ps', 'LEFT JOIN pair_scores ps ON ps.pair_id = f.pair_id'],
];

/** The columns (of PAIR_COLUMNS) that these steps read. */
export function columnsUsed(steps: readonly DecisionStep[]): Set<string> {
  const used = new Set<string>();
  for (const step of steps) {
    if ('columns' in step) step.columns.forEach((c) => used.add(c));
    else for (const c of Object.keys(PAIR_COLUMNS)) if (new RegExp(`\\b${c}\\b`).test(step.sql)) used.add(c);
  }
  return used;
}

/** Rewrites a decision only when it changed: run_id stays the run that last changed it. */
export const UPSERT_TAIL = `
  ON CONFLICT (pair_id) DO UPDATE SET run_id = excluded.run_id, kept = excluded.kept, reason = excluded.reason,
    reasons = excluded.reasons
  WHERE decisions.kept IS NOT excluded.kept OR decisions.reason IS NOT excluded.reason
    OR decisions.reasons IS NOT excluded.reasons`;

/**
 * The upsert for `steps`: a pair's `reasons` lists every failing step, `reason` is the first of
 * them, kept is 1 when there is none. A copy of a sample found earlier is judged like the first
 * (page-level rules such as opt-out can differ) and gets 'duplicate' only when it passes every
 * step: a copy that fails a filter is recorded with that filter, as any other pair would be.
 * With `withdrawals`, a pair whose source withdrew consent (withdrawals.ts) has its withdrawal
 * reason first: it is never kept. (Without, the join is left out: most stores have none.)
 */
export function decisionSql(steps: readonly DecisionStep[], runId: number, withdrawals = false): { sql: string; params: Record<string, SqlValue> } {
  const params: Record<string, SqlValue> = { run: runId };
  const cases = steps.map((step, i) => {
    const name = step.name.replace(/'/g, "''");
    if ('columns' in step) return `CASE WHEN align_keep_${i}(${step.columns.join(', ')}) THEN NULL ELSE '${name}' END`;
    // Each step's :names become :s<i>_name, so two filters may both say :max.
    const sql = step.sql.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (m, key: string) => (key in step.params ? `:s${i}_${key}` : m));
    for (const [key, value] of Object.entries(step.params)) params[`s${i}_${key}`] = value;
    return `CASE WHEN (${sql}) THEN NULL ELSE '${name}' END`;
  });
  // concat_ws needs at least one value after the separator: with every filter off nothing fails.
  const failing = cases.length > 0 ? `nullif(concat_ws(',', ${cases.join(', ')}), '')` : 'NULL';
  const used = columnsUsed(steps);
  const needed = new Set<Join>();
  for (const c of used) {
    const join = PAIR_COLUMNS[c]![1];
    if (join) needed.add(join);
  }
  const joins = JOINS.filter(([j]) => needed.has(j)).map(([, sql]) => sql);
  used.delete('pair_id'); // always selected
  const columns = [...used].map((c) => `${PAIR_COLUMNS[c]![0]} AS ${c}`);
  const sql = `
    INSERT INTO decisions (pair_id, run_id, kept, reason, reasons)
    SELECT pair_id, @run, reasons IS NULL, substr(reasons, 1, instr(reasons || ',', ',') - 1), reasons
    FROM (
      SELECT pair_id, nullif(concat_ws(',', ${withdrawals ? 'withdrawn, ' : ''}coalesce(${failing}, CASE WHEN is_copy THEN 'duplicate' END)), '') AS reasons
      FROM (
        SELECT f.pair_id AS pair_id, f.pair_id <> s.source_pair AS is_copy${withdrawals ? ', w.reason AS withdrawn' : ''}${columns.map((c) => `, ${c}`).join('')}
        FROM f_pairs f JOIN f_samples s ON s.alt_id = f.alt_id AND s.blob_id = f.blob_id
        ${withdrawals ? 'LEFT JOIN withdrawals w ON w.pair_id = f.pair_id' : ''}
        ${joins.join('\n          ')}
      )
    )
    WHERE true ${UPSERT_TAIL}`;
  return { sql, params };
}
