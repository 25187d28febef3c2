/** Terminal text for the filter summary and the stats: small aligned tables. */
import type { FilterSummary } from './index.js';

export const formatCount = (v: number): string => v.toLocaleString('en-US');
export const formatPercent = (part: number, whole: number): string => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`);

/** Columns padded to their widest cell: numbers right-aligned, text left-aligned. */
export function renderTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = headers.map((_, i) => i > 0 && rows.every((r) => /^[-\d,.%]+$/.test(r[i]!)));
  const line = (cells: string[]): string =>
    '  ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** Key / value lines, keys padded. */
export function renderFields(fields: [string, string][]): string[] {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
}

export function formatFilterSummary(s: FilterSummary): string {
  const n = formatCount;
  const out = ['filter'];
  out.push(
    ...renderFields([
      ['run', `#${s.runId}, config ${s.configHash.slice(0, 12)}`],
      ['pairs', `${n(s.pairs)} (${n(s.rawPairs)} with an ok image: ${n(s.images)} images, ${n(s.samples)} distinct samples)`],
      ['kept', `${n(s.kept)} (${formatPercent(s.kept, s.pairs)})`],
      ['rejected', `${n(s.rejected)} (${n(s.duplicates)} duplicates, ${n(s.imageNotOk)} without an ok image)`],
      ['decisions changed', n(s.changed)],
      ...(s.withdrawn.total + s.withdrawn.restored > 0
        ? ([['withdrawn', `${n(s.withdrawn.total)} pairs whose source withdrew consent (${n(s.withdrawn.new)} new, ${n(s.withdrawn.restored)} restored)`]] as [string, string][])
        : []),
      ...(s.tokens ? ([['rare tokens', `${n(s.tokens.distinctTokens)} distinct tokens, ${s.tokens.sweeps} sweeps`]] as [string, string][]) : []),
      ...(s.hashes.evalImages + s.hashes.storedHashed > 0
        ? ([['eval dedup', `${n(s.hashes.evalImages)} eval images, ${n(s.hashes.storedHashed)} stored images hashed now`]] as [string, string][])
        : []),
      ['seconds', s.seconds.toFixed(1)],
    ]),
    '',
  );
  const rows = Object.entries(s.filters).map(([name, f]) => [name, f.active ? 'yes' : 'off', n(f.first), n(f.any)]);
  out.push(...renderTable(['filter', 'active', 'first failing', 'any failing'], rows));
  return out.join('\n') + '\n';
}
