/** Turns the collected data into the page's sections: charts rendered, thumbnails made. */
import { resolve } from 'node:path';
import type { Logger } from '../../util/log.js';
import { CAPS, type ReportData } from './collect.js';
import { type Threshold, curvesSpec, groupedBarsSpec, histogramSpec, renderSvg } from './charts.js';
import { cards, charts, crawlRunsTable, num, page, pct, refreshTable, section, sheet, table } from './html.js';
import { readRunCurves } from './run-metrics.js';
import { thumbnailUri } from './thumbnails.js';

export interface RenderOptions {
  dataDir: string;
  run?: string;
  log: Logger;
}

export async function renderSections(d: ReportData, o: RenderOptions): Promise<{ html: string; charts: number; thumbnails: number }> {
  let chartCount = 0;
  const svg = async (spec: Parameters<typeof renderSvg>[0]): Promise<string> => {
    chartCount += 1;
    return renderSvg(spec);
  };
  const sections = [
    totals(d),
    section('decisions', 'Pairs kept and rejected by reason', await decisions(d, svg)),
    section('histograms', 'Shorter side, aspect ratio and word count (dashed: the filter thresholds)', charts(await histograms(d, svg))),
    section('hosts', 'Top hosts', await hosts(d, svg)),
    section('crawl', 'Crawl runs and failures by reason', await crawl(d, svg)),
    section('sources', 'Pairs by source', await sources(d, svg)),
    section('scores', 'Model scores (image/caption cosine of a trained run; dashed: the model-score threshold)', await scores(d, svg)),
  ];
  const kept = await Promise.all(d.keptSheet.map((p) => thumbnailUri(o.dataDir, p.sha256)));
  const rejected = await Promise.all(d.rejectedSheet.map((p) => thumbnailUri(o.dataDir, p.sha256)));
  sections.push(
    section('kept-sheet', `Sample of kept pairs (${d.keptSheet.length} of ${num(d.kept)})`, sheet(d.keptSheet, kept)),
    section('rejected-sheet', `Sample of rejected pairs, with the first failing filter (${d.rejectedSheet.length})`, sheet(d.rejectedSheet, rejected)),
    section('refresh', 'Refresh history', refreshTable(d.refreshRuns)),
  );
  if (o.run) sections.push(section('run', `Training run ${o.run}`, await runCurves(o.run, svg)));
  const thumbs = [...kept, ...rejected].filter((t) => t !== null).length;
  const subtitle = `${resolve(o.dataDir)} · ${d.filterRun ? `filter run #${d.filterRun.id} at ${d.filterRun.finishedAt}` : 'not filtered yet'} · made ${new Date().toISOString()}`;
  return { html: page('align-data report', subtitle, sections), charts: chartCount, thumbnails: thumbs };
}

type Svg = (spec: Parameters<typeof renderSvg>[0]) => Promise<string>;

function totals(d: ReportData): string {
  const t = d.totals;
  const shardSamples = d.shards.reduce((n, s) => n + s.samples, 0);
  const shardCount = d.shards.reduce((n, s) => n + s.shards, 0);
  return section('totals', 'Totals', cards([
    ['pages fetched', num(t.pagesFetched), `of ${num(t.pages)}`],
    ['image URLs fetched', num(t.imageUrlsOk), `${num(t.imageUrlsFailed)} failed of ${num(t.imageUrls)}`],
    ['distinct images', num(t.images), 'by sha256'],
    ['pairs', num(t.pairs), `${num(t.rawPairs)} with an image`],
    ['kept', num(d.kept), pct(d.kept, t.pairs)],
    ['rejected', num(d.rejected), pct(d.rejected, t.pairs)],
    ['shard samples', num(shardSamples), `in ${num(shardCount)} shards (${d.shards.map((s) => `${s.split} ${num(s.samples)}`).join(', ') || 'none yet'})`],
  ]));
}

async function decisions(d: ReportData, svg: Svg): Promise<string> {
  const reasons = Object.entries(d.rejections).sort(([, a], [, b]) => b.first - a.first);
  if (reasons.length === 0) return '<p class="muted">no rejected pair</p>';
  const rows = reasons.flatMap(([category, r]) => [
    { category, series: 'first failing', n: r.first },
    { category, series: 'any failing', n: r.any },
  ]);
  const chart = await svg(groupedBarsSpec(rows, { title: 'Rejected pairs by reason', x: 'pairs', colors: ['#f0a58f', '#c8553d'] }));
  return charts([chart]) + table(['reason', 'first failing', 'any failing'], reasons.map(([name, r]) => [name, num(r.first), num(r.any)]));
}

async function histograms(d: ReportData, svg: Svg): Promise<string[]> {
  const f = d.filter;
  const on = <T>(enabled: boolean, items: T[]): T[] => (enabled ? items : []);
  const side: Threshold[] = on(f.imageSize.enabled, [{ value: f.imageSize.minSidePx, label: `> ${f.imageSize.minSidePx} px` }]);
  const ratio: Threshold[] = on(f.aspectRatio.enabled, [{ value: f.aspectRatio.maxRatio, label: `< ${f.aspectRatio.maxRatio}` }]);
  const words: Threshold[] = on(f.wordCount.enabled, [
    { value: f.wordCount.min, label: `min ${f.wordCount.min}` },
    // Bins are [n, n + 1): the last kept count's bin ends at max + 1.
    { value: f.wordCount.max + 1, label: `max ${f.wordCount.max}` },
  ]);
  return Promise.all([
    svg(histogramSpec(d.distributions.shorterSide, { title: 'Shorter side', x: `min(width, height), px (≥ ${CAPS.shorterSide} in the last bin)`, step: 50, thresholds: side })),
    svg(histogramSpec(d.distributions.aspectRatio, { title: 'Aspect ratio', x: `long side / short side (≥ ${CAPS.aspectRatio} in the last bin)`, step: 0.25, thresholds: ratio })),
    svg(histogramSpec(d.distributions.wordCount, { title: 'Word count of the alt text', x: `words (≥ ${CAPS.wordCount} in the last bin)`, step: 1, thresholds: words })),
  ]);
}

async function hosts(d: ReportData, svg: Svg): Promise<string> {
  if (d.topHosts.length === 0) return '<p class="muted">no pairs yet</p>';
  const rows = d.topHosts.flatMap((h) => [
    { category: h.host, series: 'pairs', n: h.pairs },
    { category: h.host, series: 'kept', n: h.kept },
  ]);
  const chart = await svg(groupedBarsSpec(rows, { title: 'Pairs per page host', x: 'pairs', colors: ['#3a7d44', '#5b7b9a'] }));
  return charts([chart]) + table(['host', 'pages', 'pairs', 'kept'], d.topHosts.map((h) => [h.host, num(h.pages), num(h.pairs), num(h.kept)]));
}

async function crawl(d: ReportData, svg: Svg): Promise<string> {
  const failures = d.failures.length === 0
    ? '<p class="muted">no failed page or image</p>'
    : charts([await svg(groupedBarsSpec(d.failures.map((f) => ({ category: f.reason, series: `${f.kind}s`, n: f.n })), { title: 'Failures by reason', x: 'URLs', colors: ['#8c6bb1', '#e6a23c'] }))]);
  return crawlRunsTable(d.crawlRuns) + failures;
}

async function sources(d: ReportData, svg: Svg): Promise<string> {
  if (d.sources.length === 0) return '<p class="muted">no pairs yet</p>';
  const rows = d.sources.flatMap((s) => [
    { category: s.source, series: 'pairs', n: s.pairs },
    { category: s.source, series: 'kept', n: s.kept },
  ]);
  const chart = await svg(groupedBarsSpec(rows, { title: 'Pairs per source', x: 'pairs', colors: ['#3a7d44', '#5b7b9a'] }));
  return charts([chart]) + table(['source', 'pairs', 'kept'], d.sources.map((s) => [s.source, num(s.pairs), num(s.kept)]));
}

async function scores(d: ReportData, svg: Svg): Promise<string> {
  const s = d.modelScores;
  if (!s) return '<p class="muted">no pair scored yet (align-data score --run RUN)</p>';
  const rows = s.histogram.map((b) => ({ value: b.from, kept: b.kept, rejected: b.pairs - b.kept }));
  const thresholds: Threshold[] = s.threshold === null ? [] : [{ value: s.threshold, label: `≥ ${s.threshold.toFixed(3)}` }];
  const from = s.run ? ` of ${s.run.runDir} at step ${s.run.step}` : '';
  const chart = await svg(histogramSpec(rows, { title: `Model score${from}`, x: 'cosine', step: 0.1, thresholds }));
  const note = s.threshold === null ? 'the model-score filter was not applied in the last filter run' : `threshold ${s.threshold.toFixed(4)}`;
  return charts([chart]) + `<p class="muted">${num(s.scored)} pairs scored, mean ${s.mean?.toFixed(3) ?? '-'}; ${note}</p>`;
}

async function runCurves(run: string, svg: Svg): Promise<string> {
  const c = readRunCurves(run);
  const out: string[] = [];
  if (c.loss.length > 0) out.push(await svg(curvesSpec(c.loss, { title: 'Loss', y: 'loss' })));
  if (c.temperature.length > 0) out.push(await svg(curvesSpec(c.temperature, { title: 'Temperature', y: 'temperature', logY: true })));
  if (c.recall.length > 0) out.push(await svg(curvesSpec(c.recall, { title: 'Recall@K on the held-out shards', y: 'recall' })));
  return out.length > 0 ? charts(out) : '<p class="muted">metrics.jsonl holds no step yet</p>';
}
