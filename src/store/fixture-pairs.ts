import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { sha256Hex } from '../util/hash.js';
import { imagePath } from '../util/image-path.js';
import { altKey, normalizeAlt, wordCount } from '../util/text.js';
import { openStore, type Db } from './db.js';

/**
 * Builds a store as crawl + filter would leave it, with plain SQL: pages, blobs, images, pairs
 * and a decision per pair, and the image files under images/. For tests and benchmarks (never
 * the pipeline itself), so a stage after filter can be exercised on exact, known input.
 */
export interface FixturePair {
  /** An image file to copy in, or its bytes. */
  image: string | Buffer;
  alt: string;
  /** @default `http://site.test/page-<hash of the alt>.html` */
  pageUrl?: string;
  /** @default derived from the image's sha256 */
  imageUrl?: string;
  /** @default true */
  kept?: boolean;
  /** Leave the file out of images/ (the row says it is there). @default false */
  withoutFile?: boolean;
  /** Blob size when it cannot be probed (a corrupt file). @default probed with sharp */
  size?: { width: number; height: number; format?: string };
}

export interface FixtureRow {
  pairId: number;
  sha256: string;
  imageUrl: string;
  pageUrl: string;
  alt: string;
  altRaw: string;
  width: number;
  height: number;
  kept: boolean;
}

const NOW = 1_700_000_000_000;

/** Adds the pairs (in one transaction, after any already there) and returns their rows. */
export async function addFixturePairs(dataDir: string, pairs: readonly FixturePair[]): Promise<FixtureRow[]> {
  const probed = await Promise.all(pairs.map((p) => probe(p)));
  const db = openStore(dataDir);
  try {
    return db.transaction(() => {
      const runId = ensureFilterRun(db);
      return pairs.map((p, i) => insertPair(db, dataDir, p, probed[i]!, runId));
    })();
  } finally {
    db.close();
  }
}

interface Probed {
  bytes: Buffer;
  sha256: string;
  width: number;
  height: number;
  format: string;
}

async function probe(p: FixturePair): Promise<Probed> {
  const bytes = typeof p.image === 'string' ? readFileSync(p.image) : p.image;
  const sha256 = sha256Hex(bytes);
  if (p.size) return { bytes, sha256, width: p.size.width, height: p.size.height, format: p.size.format ?? 'jpeg' };
  const meta = await sharp(bytes).metadata();
  const shown = meta.autoOrient ?? { width: meta.width, height: meta.height };
  return { bytes, sha256, width: shown.width, height: shown.height, format: meta.format ?? 'unknown' };
}

function ensureFilterRun(db: Db): number {
  const row = db.prepare('SELECT max(id) AS id FROM filter_runs').get() as { id: number | null };
  if (row.id !== null) return row.id;
  return Number(db.prepare("INSERT INTO filter_runs (config_hash, config, started_at, finished_at) VALUES ('fixture', '{}', ?, ?)").run(NOW, NOW).lastInsertRowid);
}

function insertPair(db: Db, dataDir: string, p: FixturePair, b: Probed, runId: number): FixtureRow {
  const pageUrl = p.pageUrl ?? `http://site.test/page-${sha256Hex(p.alt).slice(0, 8)}.html`;
  db.prepare("INSERT OR IGNORE INTO pages (url, host, status, http_status, discovered_at, fetched_at) VALUES (?, 'site.test', 'done', 200, ?, ?)").run(pageUrl, NOW, NOW);
  const pageId = (db.prepare('SELECT id FROM pages WHERE url = ?').get(pageUrl) as { id: number }).id;
  db.prepare('INSERT OR IGNORE INTO blobs (sha256, bytes, format, width, height, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(b.sha256, b.bytes.length, b.format, b.width, b.height, NOW);
  const imageUrl = p.imageUrl ?? `http://site.test/img/${b.sha256.slice(0, 12)}.${b.format}`;
  db.prepare("INSERT OR IGNORE INTO images (url, host, status, http_status, sha256, discovered_at, fetched_at) VALUES (?, 'site.test', 'ok', 200, ?, ?, ?)").run(imageUrl, b.sha256, NOW, NOW);
  const imageId = (db.prepare('SELECT id FROM images WHERE url = ?').get(imageUrl) as { id: number }).id;
  const alt = normalizeAlt(p.alt);
  const pairId = Number(
    db.prepare('INSERT INTO pairs (page_id, image_id, alt_raw, alt_norm, alt_key, word_count, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(pageId, imageId, p.alt, alt, altKey(alt), wordCount(alt), NOW).lastInsertRowid,
  );
  const kept = p.kept ?? true;
  db.prepare('INSERT INTO decisions (pair_id, run_id, kept, reason) VALUES (?, ?, ?, ?)').run(pairId, runId, kept ? 1 : 0, kept ? null : 'word_count');
  if (!p.withoutFile) {
    const path = imagePath(dataDir, b.sha256);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof p.image === 'string') copyFileSync(p.image, path);
    else writeFileSync(path, b.bytes);
  }
  return { pairId, sha256: b.sha256, imageUrl, pageUrl, alt, altRaw: p.alt, width: b.width, height: b.height, kept };
}

/** Marks pairs kept or not, as a later filter run would. */
export function setKept(dataDir: string, pairIds: readonly number[], kept: boolean): void {
  const db = openStore(dataDir);
  try {
    const stmt = db.prepare('UPDATE decisions SET kept = ?, reason = ? WHERE pair_id = ?');
    db.transaction(() => {
      for (const id of pairIds) stmt.run(kept ? 1 : 0, kept ? null : 'images_per_alt', id);
    })();
  } finally {
    db.close();
  }
}
