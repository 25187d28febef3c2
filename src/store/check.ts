/**
 * Read-only queries behind `check`'s store gates: what the filter rejected and why, how much of
 * the crawl was fetched, which kept or published pairs came from a source that opted out, and
 * what size the shard stage recorded for a sample, with which options and from what original.
 */
import type { Db } from './db.js';

export interface SourceRow {
  pairId: number;
  key: string | null;
  pageUrl: string;
  pageHost: string;
  imageUrl: string;
  imageHost: string;
  pageOptOut: string | null;
  imageOptOut: string | null;
}

/** Pairs that are kept by the last decision or sit in a shard: what the dataset publishes. */
const PUBLISHED = `
  FROM pairs p JOIN pages g ON g.id = p.page_id JOIN images i ON i.id = p.image_id
  LEFT JOIN decisions d ON d.pair_id = p.id LEFT JOIN shard_samples s ON s.pair_id = p.id
  WHERE (d.kept = 1 OR s.pair_id IS NOT NULL)`;

const SOURCE_COLUMNS = `p.id AS pairId, s.key AS key, g.url AS pageUrl, g.host AS pageHost, i.url AS imageUrl, i.host AS imageHost,
  g.opt_out AS pageOptOut, i.opt_out AS imageOptOut`;

export class CheckStore {
  private readonly dims;
  private readonly original;

  constructor(private readonly db: Db) {
    this.dims = db.prepare('SELECT width, height FROM shard_samples WHERE key = ?');
    this.original = db.prepare(`
      SELECT b.width, b.height FROM shard_samples s
      JOIN pairs p ON p.id = s.pair_id JOIN images i ON i.id = p.image_id JOIN blobs b ON b.sha256 = i.sha256
      WHERE s.key = ?`);
  }

  /** Each recorded shard's name and the hash of the sample options it was written with. */
  shardOptionHashes(): { name: string; optionsHash: string }[] {
    return this.db.prepare('SELECT name, options_hash AS optionsHash FROM shards ORDER BY name').all() as { name: string; optionsHash: string }[];
  }

  /** The displayed size (after EXIF orientation) of the original image behind the sample with this key. */
  originalSize(key: string): { width: number; height: number } | undefined {
    return this.original.get(key) as { width: number; height: number } | undefined;
  }

  /** Decisions by first failing reason (null: kept). */
  decisionsByReason(): { reason: string | null; n: number }[] {
    return this.db.prepare('SELECT reason, count(*) AS n FROM decisions GROUP BY reason ORDER BY n DESC').all() as { reason: string | null; n: number }[];
  }

  /** Image URLs by status (queued, ok, failed...). */
  imagesByStatus(): { status: string; n: number }[] {
    return this.db.prepare('SELECT status, count(*) AS n FROM images GROUP BY status').all() as { status: string; n: number }[];
  }

  /** Published pairs whose page or image response opted out (noai / noimageai). */
  optedOutPublished(limit: number): { first: SourceRow[]; count: number } {
    const where = `${PUBLISHED} AND (g.opt_out IS NOT NULL OR i.opt_out IS NOT NULL)`;
    return {
      first: this.db.prepare(`SELECT ${SOURCE_COLUMNS} ${where} ORDER BY p.id LIMIT ?`).all(limit) as SourceRow[],
      count: this.db.prepare(`SELECT count(*) ${where}`).pluck().get() as number,
    };
  }

  /** Every published pair's source, streamed (the blocklist is matched in JavaScript). */
  *publishedSources(): Generator<SourceRow> {
    yield* this.db.prepare(`SELECT ${SOURCE_COLUMNS} ${PUBLISHED} ORDER BY p.id`).iterate() as IterableIterator<SourceRow>;
  }

  /** The stored size of the sample with this key, when the shard stage wrote it. */
  sampleSize(key: string): { width: number; height: number } | undefined {
    return this.dims.get(key) as { width: number; height: number } | undefined;
  }
}
