/**
 * A contact sheet of search results: one row per query, each result a thumbnail read from its
 * shard (inlined as a data: URI, so the file stands alone), with rank, score and caption. Each
 * shard named by the results is read once, keeping only the images of the keys wanted.
 */
import { writeFileSync } from 'node:fs';
import { emptyCounts, readShard } from '../../webdataset/reader.js';
import type { SearchResult } from './search.js';

export async function writeContactSheet(file: string, results: readonly SearchResult[]): Promise<number> {
  const images = await readThumbnails(results);
  const rows = results.map((r) => {
    const title = describeQuery(r);
    const cells = r.results.map((hit) => {
      const uri = images.get(`${hit.shard}\n${hit.key}`);
      const img = uri ? `<img src="${uri}" alt="${esc(hit.caption)}">` : '<div class="missing">image not found</div>';
      return `<figure>${img}<figcaption><b>#${hit.rank}</b> ${hit.score.toFixed(3)}<br>${esc(hit.caption)}</figcaption></figure>`;
    });
    return `<section><h2>${esc(title)}</h2>${r.error ? `<p class="error">${esc(r.error)}</p>` : ''}<div class="row">${cells.join('')}</div></section>`;
  });
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>align-data search</title><style>
body{font-family:sans-serif;margin:1em}.row{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0;width:160px}
img{width:160px;height:160px;object-fit:cover}figcaption{font-size:12px}.error{color:#b00}.missing{width:160px;height:160px;background:#eee}
</style></head><body>${rows.join('\n')}</body></html>\n`;
  writeFileSync(file, html);
  return images.size;
}

function describeQuery(r: SearchResult): string {
  const q = r.query;
  const parts = [q.image ? `image ${q.image}` : '', q.text ? `+ "${q.text}"` : '', q.minusText ? `− "${q.minusText}"` : ''].filter(Boolean);
  return parts.join(' ').replace(/^\+ /, '');
}

async function readThumbnails(results: readonly SearchResult[]): Promise<Map<string, string>> {
  const wanted = new Map<string, Set<string>>();
  for (const r of results) for (const hit of r.results) (wanted.get(hit.shard) ?? wanted.set(hit.shard, new Set()).get(hit.shard))?.add(hit.key);
  const out = new Map<string, string>();
  for (const [shard, keys] of wanted) {
    // A shard that has moved or broken since indexing only loses its thumbnails.
    try {
      for await (const s of readShard(shard, emptyCounts())) {
        if (keys.has(s.key)) out.set(`${shard}\n${s.key}`, `data:${mimeOf(s.image)};base64,${s.image.toString('base64')}`);
      }
    } catch {
      continue;
    }
  }
  return out;
}

function mimeOf(b: Buffer): string {
  if (b[0] === 0x89 && b[1] === 0x50) return 'image/png';
  if (b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return 'image/jpeg';
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
