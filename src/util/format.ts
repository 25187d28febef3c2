/**
 * Renders a summary object as aligned `key  value` lines for a terminal; nested objects are
 * indented. `--json` prints the same object with JSON.stringify instead.
 */
export function formatSummary(title: string, summary: Record<string, unknown>): string {
  const lines = [title];
  render(summary, 1, lines);
  return lines.join('\n') + '\n';
}

function render(obj: Record<string, unknown>, depth: number, lines: string[]): void {
  const pad = '  '.repeat(depth);
  const keys = Object.keys(obj);
  const width = Math.max(0, ...keys.map((k) => k.length));
  for (const key of keys) {
    const value = obj[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      if (Object.keys(value).length === 0) {
        lines.push(`${pad}${key.padEnd(width)}  -`);
        continue;
      }
      lines.push(`${pad}${key}`);
      render(value as Record<string, unknown>, depth + 1, lines);
    } else {
      lines.push(`${pad}${key.padEnd(width)}  ${formatScalar(value)}`);
    }
  }
}

function formatScalar(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    return value.toFixed(Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 4);
  }
  if (Array.isArray(value)) return value.map((v) => formatScalar(v)).join(', ');
  if (value === null || value === undefined) return '-';
  return String(value);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
