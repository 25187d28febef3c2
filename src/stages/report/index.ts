/**
 * report: the store (and a training run's metrics.jsonl) → one self-contained HTML page.
 *
 * In: `align.db` of a data dir (read only: no lock), its image files for the thumbnails, and with
 * `run`, RUN/metrics.jsonl. Out: one HTML file: totals; kept and rejected pairs by reason (first
 * and any); histograms of shorter side, aspect ratio and word count with the filter thresholds
 * drawn; top hosts; crawl runs and failures by reason; contact sheets of kept and rejected pairs;
 * the refresh history; the run's loss / temperature / Recall@K curves. Charts are vega-lite
 * rendered to SVG here, thumbnails are data: URIs: the page needs no network.
 * May import: store, util, errors, config; never another stage. `stats --html` calls this too.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../../config/schema.js';
import { AlignError } from '../../errors.js';
import { openStore, storePath } from '../../store/db.js';
import type { StageContext } from '../../util/context.js';
import { collectReportData } from './collect.js';
import { renderSections } from './sections.js';

export interface ReportOptions {
  /** The HTML file to write. */
  out: string;
  /** A training run directory whose curves to show. @default none */
  run?: string;
}

export interface ReportSummary {
  out: string;
  bytes: number;
  charts: number;
  thumbnails: number;
  seconds: number;
}

export async function runReport(config: Config, ctx: StageContext, options: ReportOptions): Promise<ReportSummary> {
  const started = Date.now();
  if (!existsSync(storePath(ctx.dataDir))) {
    throw new AlignError('E_NO_DATA', `no store in ${ctx.dataDir}`, { hint: 'run `align-data crawl` first, or pass --data-dir' });
  }
  const db = openStore(ctx.dataDir, { readonly: true });
  let data;
  try {
    data = collectReportData(db, config.filter);
  } finally {
    db.close();
  }
  const rendered = await renderSections(data, { dataDir: ctx.dataDir, run: options.run, log: ctx.log });
  const out = resolve(options.out);
  // Written beside and renamed: a browser or a CI artifact upload never sees half a page.
  writeFileSync(`${out}.partial`, rendered.html);
  renameSync(`${out}.partial`, out);
  return { out, bytes: Buffer.byteLength(rendered.html), charts: rendered.charts, thumbnails: rendered.thumbnails, seconds: (Date.now() - started) / 1000 };
}
