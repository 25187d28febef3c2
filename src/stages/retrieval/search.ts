/**
 * `search`: text → image, image → image (or → caption), and ALIGN's composed image + text
 * queries against a run's index. Many queries share one model load and one open index.
 */
import { readFileSync } from 'node:fs';
import { AlignError, errorMessage } from '../../errors.js';
import { VectorIndex, type VectorKind } from '../../store/vector-index.js';
import { identityOf } from './build-index.js';
import type { SearchQuery } from './queries.js';
import { composeQuery, normalise, type VectorEncoder } from './vectors.js';

export type { SearchQuery } from './queries.js';

export interface SearchOptions {
  indexPath: string;
  /** @default 10 */
  k?: number;
  /** w in normalise(normalise(img) + w·normalise(txt)); ALIGN found 2 best. @default 2 */
  textWeight?: number;
  /** Search the image vectors (text→image, image→image) or the caption vectors. @default 'image' */
  target?: VectorKind;
  /** Binary-quantised first pass, rescored exactly: `candidates` is how many the first pass keeps. */
  fast?: { candidates: number };
}

export interface SearchHit {
  rank: number;
  key: string;
  score: number;
  caption: string;
  url: string | null;
  shard: string;
}

export interface SearchResult {
  query: SearchQuery;
  results: SearchHit[];
  /** Why this query could not run (an image that does not decode); the others still run. */
  error?: string;
}

/** Runs every query against the index; a query that fails records its error and the rest go on. */
export async function runSearch(encoder: VectorEncoder, queries: readonly SearchQuery[], options: SearchOptions): Promise<SearchResult[]> {
  const index = VectorIndex.open(options.indexPath, identityOf(encoder), { create: false });
  try {
    const out: SearchResult[] = [];
    for (const query of queries) {
      try {
        const vector = await embedQuery(encoder, query, options.textWeight ?? 2);
        out.push({ query, results: lookUp(index, vector, options) });
      } catch (err) {
        if (!(err instanceof AlignError) || err.code !== 'E_NO_DATA') throw err;
        out.push({ query, results: [], error: errorMessage(err) });
      }
    }
    return out;
  } finally {
    index.close();
  }
}

/** The query vector: the text's, the image's, or the two composed. */
export async function embedQuery(encoder: VectorEncoder, query: SearchQuery, weight: number): Promise<Float32Array> {
  const text = query.text ?? query.minusText;
  const textVector = text === undefined ? undefined : (await encoder.embedTexts([text])).slice();
  if (!query.image) {
    if (!textVector) throw new AlignError('E_USAGE', 'a query needs a text or an image');
    return normalise(textVector);
  }
  const bytes = readImage(query.image);
  const { vectors, ok } = await encoder.embedImages([bytes]);
  if (!ok[0]) throw new AlignError('E_NO_DATA', `${query.image} does not decode as an image`);
  if (!textVector) return normalise(vectors);
  return composeQuery(vectors, textVector, query.minusText !== undefined && query.text === undefined ? -weight : weight);
}

function readImage(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new AlignError('E_NO_DATA', `cannot read ${path}: ${errorMessage(err)}`);
  }
}

function lookUp(index: VectorIndex, vector: Float32Array, options: SearchOptions): SearchHit[] {
  const k = options.k ?? 10;
  const kind = options.target ?? 'image';
  const hits = options.fast ? index.nearestFast(kind, vector, k, options.fast.candidates) : index.nearest(kind, vector, k);
  return hits.map((h, i) => {
    const s = index.sample(h.id);
    return { rank: i + 1, key: s?.key ?? '', score: round(h.score), caption: s?.caption ?? '', url: s?.url ?? null, shard: s?.shard ?? '' };
  });
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
