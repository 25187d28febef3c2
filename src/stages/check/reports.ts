/**
 * The verdicts as people and CI systems read them: text for a terminal, JUnit XML (one testcase
 * per gate, failures carry the offending names), and a Markdown table for a GitHub step summary.
 */
import type { CheckSummary } from './index.js';
import type { GateResult } from './offenders.js';

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'skip' } as const;

function offenderLines(g: GateResult): string[] {
  if (g.offenderCount === 0) return [];
  const more = g.offenderCount - g.offenders.length;
  return [...g.offenders, ...(more > 0 ? [`… and ${more} more (${g.offenderCount} in all)`] : [])];
}

function figures(g: GateResult): string {
  return Object.entries(g.figures)
    .map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v)}`)
    .join(', ');
}

export function formatCheck(s: CheckSummary): string {
  const out = [`check: ${s.passed ? 'all gates pass' : `${s.failed.length} gate${s.failed.length > 1 ? 's' : ''} failed (${s.failed.join(', ')})`}`];
  out.push(`  ${s.samples.toLocaleString('en-US')} samples in ${s.shards} shards${s.store ? `, store ${s.store}` : ', no store'}, ${s.samplesPerSecond.toFixed(0)} samples/s`);
  for (const g of s.gates) {
    out.push(`  ${MARK[g.status]}  ${g.name.padEnd(16)} ${g.describe}${g.note ? ` (${g.note})` : ''}`);
    if (g.status !== 'skip' && Object.keys(g.figures).length > 0) out.push(`        ${figures(g)}`);
    for (const line of offenderLines(g)) out.push(`        - ${line}`);
  }
  return out.join('\n') + '\n';
}

const xml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
    // XML 1.0 has no place for most control characters, which a damaged name may carry.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '?');

export function junitXml(s: CheckSummary): string {
  const skips = s.gates.filter((g) => g.status === 'skip').length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="align-data check" tests="${s.gates.length}" failures="${s.failed.length}" skipped="${skips}" time="${s.seconds.toFixed(3)}">`,
    `  <testsuite name="align-data check" tests="${s.gates.length}" failures="${s.failed.length}" skipped="${skips}" time="${s.seconds.toFixed(3)}">`,
  ];
  for (const g of s.gates) {
    lines.push(`    <testcase classname="align-data.check" name="${xml(g.name)}: ${xml(g.describe)}">`);
    if (g.status === 'fail') {
      const message = `${g.offenderCount} offending: ${g.offenders.slice(0, 3).join('; ')}`;
      lines.push(`      <failure message="${xml(message)}" type="gate">${xml([figures(g), ...offenderLines(g)].join('\n'))}</failure>`);
    } else if (g.status === 'skip') {
      lines.push(`      <skipped message="${xml(g.note ?? 'skipped')}"/>`);
    }
    if (g.status === 'pass') lines.push(`      <system-out>${xml(figures(g))}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

const md = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownSummary(s: CheckSummary): string {
  const head = `### align-data check: ${s.passed ? '✅ all gates pass' : `❌ ${s.failed.length} failed`}\n\n${s.samples} samples in ${s.shards} shards\n\n`;
  const rows = s.gates.map((g) => {
    const status = g.status === 'pass' ? '✅ pass' : g.status === 'fail' ? '❌ fail' : '➖ skip';
    const detail = g.status === 'skip' ? g.note ?? '' : [figures(g), ...offenderLines(g).slice(0, 3)].filter(Boolean).join('<br>');
    return `| ${md(g.name)} | ${status} | ${md(g.describe)} | ${md(detail)} |`;
  });
  return `${head}| gate | result | what | figures / offenders |\n|---|---|---|---|\n${rows.join('\n')}\n\n`;
}
