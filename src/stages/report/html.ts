/**
 * The report page: one HTML file with its styles, charts (inline SVG) and thumbnails (data: URIs)
 * inside it. A Content-Security-Policy forbids every fetch, so the page cannot reach the network
 * even by mistake.
 */
import type { RefreshRun, SheetPair } from '../../store/report.js';
import type { CrawlRunRow } from './collect.js';

export const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export const num = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const pct = (a: number, b: number): string => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '–');

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f6f6f3}
header{background:#21313c;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;opacity:.8}
main{padding:8px 28px 40px;max-width:1200px}section{background:#fff;border-radius:8px;padding:14px 18px;margin:16px 0;box-shadow:0 1px 2px #0002}
h2{font-size:17px;margin:0 0 10px}.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#f1f4f6;border-radius:6px;padding:8px 12px;min-width:130px}
.card b{display:block;font-size:20px}.charts{display:flex;flex-wrap:wrap;gap:12px}.chart svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:13px;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #e3e3e3;text-align:right}
td:first-child,th:first-child{text-align:left}.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
figure{margin:0;background:#fafafa;border:1px solid #e6e6e6;border-radius:6px;padding:6px;display:flex;flex-direction:column;gap:4px}
figure img{width:160px;height:160px;object-fit:contain;align-self:center;background:#fff}.noimg{width:160px;height:160px;display:flex;align-items:center;justify-content:center;color:#888;align-self:center}
figcaption{font-size:12px;word-break:break-word}.reason{display:inline-block;background:#c8553d;color:#fff;border-radius:3px;padding:0 5px;font-size:11px;margin-bottom:2px}
.muted{color:#777;font-size:12px}`;

export function page(title: string, subtitle: string, sections: readonly string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${esc(title)}</h1><p>${esc(subtitle)}</p></header>
<main>
${sections.join('\n')}
</main></body></html>
`;
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

export function cards(items: readonly [string, string, string?][]): string {
  return `<div class="cards">${items.map(([label, value, note]) => `<div class="card"><b>${esc(value)}</b>${esc(label)}${note ? `<div class="muted">${esc(note)}</div>` : ''}</div>`).join('')}</div>`;
}

export function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

export function charts(svgs: readonly string[]): string {
  return `<div class="charts">${svgs.map((s) => `<div class="chart">${s}</div>`).join('')}</div>`;
}

/** Image and alt text side by side, with the reason when the pair was rejected. */
export function sheet(pairs: readonly SheetPair[], thumbs: readonly (string | null)[]): string {
  if (pairs.length === 0) return '<p class="muted">none</p>';
  const figures = pairs.map((p, i) => {
    const uri = thumbs[i];
    const image = uri ? `<img src="${uri}" alt="${esc(p.alt)}" width="160" height="160">` : '<div class="noimg">image file unavailable</div>';
    const reason = p.reason ? `<span class="reason">${esc(p.reason)}</span><br>` : '';
    return `<figure>${image}<figcaption>${reason}${esc(p.alt)}<br><span class="muted">${p.width}×${p.height} · ${esc(p.pageUrl)}</span></figcaption></figure>`;
  });
  return `<div class="sheet">${figures.join('\n')}</div>`;
}

export function crawlRunsTable(rows: readonly CrawlRunRow[]): string {
  if (rows.length === 0) return '<p class="muted">no finished crawl run</p>';
  return table(
    ['run', 'started', 'seconds', 'pages', 'pages failed', 'pages/s', 'images', 'images failed', 'images/s'],
    rows.map((r) => [r.id, r.startedAt, num(r.seconds, 1), num(r.pagesFetched), num(r.pagesFailed), num(r.pagesPerSecond, 2), num(r.imagesFetched), num(r.imagesFailed), num(r.imagesPerSecond, 2)]),
  );
}

export function refreshTable(runs: readonly RefreshRun[]): string {
  if (runs.length === 0) return '<p class="muted">no refresh runs</p>';
  return table(
    ['run', 'started', 'ended', 'exit code', 'summary'],
    runs.map((r) => [r.id, r.startedAt ?? '–', r.endedAt ?? '–', r.exitCode ?? '–', summaryLine(r.summaryJson)]),
  );
}

/** The numbers of a refresh summary as `key value` pairs (nested objects flattened one level). */
function summaryLine(json: string | null): string {
  if (!json) return '–';
  try {
    const s = JSON.parse(json) as Record<string, unknown>;
    const parts: string[] = [];
    for (const [k, v] of Object.entries(s)) {
      if (typeof v === 'number') parts.push(`${k} ${num(v, Number.isInteger(v) ? 0 : 2)}`);
      else if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'number') parts.push(`${k}.${k2} ${num(v2, Number.isInteger(v2) ? 0 : 2)}`);
      }
    }
    return parts.join(', ') || '–';
  } catch {
    return '(unreadable summary)';
  }
}

export { pct };
