import type { Db } from './db.js';

/**
 * `merge`'s SQL for the tables beside pages, images and pairs, run in the same transaction as
 * they are (the pairs are already merged, so a partition's pair is found in the merged store by
 * its page URL, image URL and alt_norm, the pairs' own key). What is carried and why:
 *
 * - ingest_files (keyed by source), ingest_pairs (mapped to the merged pair ids) and
 *   ingest_rejects: every merged pair keeps its input file, row or offset, prefilter decision and
 *   saved columns, so `stats` pairs by source and the shards' saved columns work on the merged
 *   store. A pair keeps the first provenance merged (as one store keeps the first row that made
 *   it). Partitions of one ingest read the same files: a file's progress row comes from the
 *   partition merged last, its `pairs`/`prefiltered` counters are that partition's share
 *   (the merged counts by source are counted from ingest_pairs); rejects, equal in every
 *   partition, are kept once.
 * - imgs_not_paired (migration 2): page-level diagnostics of crawled pages, from the partition
 *   owning the page's host (it fetched the page), so `stats` shows them on the merged store.
 * - Not carried: withdrawals (the filter's own record, rebuilt when `filter` runs on the merged
 *   store from the merged pages' and images' states), refresh_runs / refresh_seeds (the
 *   `refresh` flow's single-machine bookkeeping), score_runs / pair_scores (`score` runs on the
 *   merged store after the merge; partition stores hold no scores to carry).
 */
export function mergeExtrasAttached(db: Db, owned: string): void {
  db.exec(`
    INSERT INTO main.ingest_files (source, format, size, mtime_ms, position, records, pairs, rejected, prefiltered, status, error, started_at, finished_at)
    SELECT source, format, size, mtime_ms, position, records, pairs, rejected, prefiltered, status, error, started_at, finished_at
    FROM src.ingest_files WHERE true
    ON CONFLICT (source) DO UPDATE SET format = excluded.format, size = excluded.size, mtime_ms = excluded.mtime_ms,
      position = excluded.position, records = excluded.records, pairs = excluded.pairs, rejected = excluded.rejected,
      prefiltered = excluded.prefiltered, status = excluded.status, error = excluded.error,
      started_at = excluded.started_at, finished_at = excluded.finished_at;
    INSERT INTO main.ingest_pairs (pair_id, file_id, position, prefilter, columns)
    SELECT mp.id, mf.id, s.position, s.prefilter, s.columns
    FROM src.ingest_pairs s JOIN src.pairs p ON p.id = s.pair_id
      JOIN src.pages sp ON sp.id = p.page_id JOIN src.images si ON si.id = p.image_id
      JOIN main.pages mpg ON mpg.url = sp.url JOIN main.images mi ON mi.url = si.url
      JOIN main.pairs mp ON mp.page_id = mpg.id AND mp.image_id = mi.id AND mp.alt_norm = p.alt_norm
      JOIN src.ingest_files sf ON sf.id = s.file_id JOIN main.ingest_files mf ON mf.source = sf.source
    WHERE true
    ON CONFLICT (pair_id) DO NOTHING;
    INSERT OR IGNORE INTO main.ingest_rejects (file_id, position, reason, detail)
    SELECT mf.id, r.position, r.reason, r.detail
    FROM src.ingest_rejects r JOIN src.ingest_files sf ON sf.id = r.file_id JOIN main.ingest_files mf ON mf.source = sf.source;
    INSERT INTO main.imgs_not_paired (page_id, reason, n)
    SELECT mp.id, r.reason, r.n
    FROM src.imgs_not_paired r JOIN src.pages sp ON sp.id = r.page_id JOIN main.pages mp ON mp.url = sp.url
    WHERE ${owned.replace('host', 'sp.host')}
    ON CONFLICT (page_id, reason) DO UPDATE SET n = excluded.n;
  `);
}
