/** Search queries: one from flags, or many from a file. Light (no model, no SQLite): the CLI loads it eagerly. */
import { AlignError, errorMessage } from '../../errors.js';

export interface SearchQuery {
  text?: string;
  image?: string;
  /** Subtracted instead of added: "this image, without the snow". */
  minusText?: string;
}

/**
 * Queries from a file: JSON lines (`{"text": …, "image": …, "minusText": …}`) or plain text
 * lines (each a text query). Blank lines are skipped; a bad line stops before any work, naming it.
 */
export function parseQueries(content: string, file: string): SearchQuery[] {
  const out: SearchQuery[] = [];
  content.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '') return;
    if (!t.startsWith('{')) {
      out.push({ text: t });
      return;
    }
    let q: Record<string, unknown>;
    try {
      q = JSON.parse(t) as Record<string, unknown>;
    } catch (err) {
      throw new AlignError('E_USAGE', `${file}:${i + 1}: not JSON: ${errorMessage(err)}`, { hint: 'one query per line: {"text": "…"} or {"image": "path"} or plain text' });
    }
    const query: SearchQuery = {};
    for (const key of ['text', 'image', 'minusText'] as const) {
      const v = q[key] ?? (key === 'minusText' ? q.minus_text : undefined);
      if (v !== undefined && typeof v !== 'string') throw new AlignError('E_USAGE', `${file}:${i + 1}: \`${key}\` must be a string`);
      if (typeof v === 'string') query[key] = v;
    }
    if (!query.text && !query.image) throw new AlignError('E_USAGE', `${file}:${i + 1}: a query needs \`text\` or \`image\``);
    out.push(query);
  });
  return out;
}
