/**
 * A crawl store written directly with SQL (no crawler): pages, image URLs, blobs and pairs, with
 * the alt normalised by the same functions the crawler uses. For filter and stats tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openStore, type Db } from '../../../src/store/db.js';
import { sha256Hex } from '../../../src/util/hash.js';
import { imagePath } from '../../../src/util/image-path.js';
import { altKey, normalizeAlt, wordCount } from '../../../src/util/text.js';

export interface PageSpec {
  url?: string;
  optOut?: string | null;
}

export interface ImageSpec {
  width?: number;
  height?: number;
  /** The bytes' identity; images with the same sha are one image served from several URLs. @default a fresh one */
  sha?: string;
  url?: string;
  status?: 'ok' | 'failed' | 'queued';
  /** The reason of a failed image. @default 'http_404' */
  error?: string;
  /** The image response's X-Robots-Tag directives. */
  optOut?: string | null;
  /** Real bytes: stored under images/ab/cd/<sha256> and their sha256 used. */
  bytes?: Buffer;
}

export class StoreBuilder {
  readonly db: Db;
  private seq = 0;
  private readonly now = Date.now();

  constructor(readonly dataDir: string) {
    this.db = openStore(dataDir);
  }

  page(spec: PageSpec = {}): number {
    const url = spec.url ?? `http://site.example/page-${++this.seq}.html`;
    const host = new URL(url).host;
    return Number(
      this.db
        .prepare(`INSERT INTO pages (url, host, status, http_status, opt_out, discovered_at, fetched_at) VALUES (?, ?, 'done', 200, ?, ?, ?)`)
        .run(url, host, spec.optOut ?? null, this.now, this.now).lastInsertRowid,
    );
  }

  image(spec: ImageSpec = {}): number {
    const status = spec.status ?? 'ok';
    const url = spec.url ?? `http://img.example/${++this.seq}.jpg`;
    let sha: string | null = null;
    if (status === 'ok') {
      sha = spec.bytes ? sha256Hex(spec.bytes) : (spec.sha ?? sha256Hex(`image ${++this.seq}`));
      if (spec.bytes) {
        const path = imagePath(this.dataDir, sha);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, spec.bytes);
      }
      this.db
        .prepare(`INSERT OR IGNORE INTO blobs (sha256, bytes, format, width, height, created_at) VALUES (?, ?, 'jpeg', ?, ?, ?)`)
        .run(sha, spec.bytes?.length ?? 1000, spec.width ?? 640, spec.height ?? 480, this.now);
    }
    return Number(
      this.db
        .prepare(`INSERT INTO images (url, host, status, error, sha256, opt_out, discovered_at, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(url, new URL(url).host, status, status === 'failed' ? (spec.error ?? 'http_404') : null, sha, spec.optOut ?? null, this.now, this.now).lastInsertRowid,
    );
  }

  /** The sha256 of an image row. */
  shaOf(imageId: number): string {
    return this.db.prepare('SELECT sha256 FROM images WHERE id = ?').pluck().get(imageId) as string;
  }

  pair(pageId: number, imageId: number, alt: string): number {
    const norm = normalizeAlt(alt);
    return Number(
      this.db
        .prepare(`INSERT INTO pairs (page_id, image_id, alt_raw, alt_norm, alt_key, word_count, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
        .run(pageId, imageId, alt, norm, altKey(norm), wordCount(norm), this.now + this.seq++).lastInsertRowid,
    );
  }

  /** A page holding one pair with a fresh ok image: the common case. */
  simplePair(alt: string, image: ImageSpec = {}, page: PageSpec = {}): number {
    return this.pair(this.page(page), this.image(image), alt);
  }

  close(): void {
    this.db.close();
  }
}

export interface Decision {
  pair_id: number;
  run_id: number;
  kept: number;
  reason: string | null;
  reasons: string | null;
}

/** Every decision, by pair id. */
export function readDecisions(dataDir: string): Map<number, Decision> {
  const db = openStore(dataDir);
  try {
    const rows = db.prepare('SELECT pair_id, run_id, kept, reason, reasons FROM decisions ORDER BY pair_id').all() as Decision[];
    return new Map(rows.map((r) => [r.pair_id, r]));
  } finally {
    db.close();
  }
}
