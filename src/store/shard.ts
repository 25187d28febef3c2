import { openStore, type Db } from './db.js';

/** A kept pair waiting to become a sample, with what its .json needs. */
export interface ShardCandidate {
  /** Position in this run's sorted queue (for paging). */
  seq: number;
  pairId: number;
  url: string;
  pageUrl: string;
  altRaw: string;
  alt: string;
  sha256: string;
  /** Displayed size of the original (after EXIF orientation), as the crawl probed it. */
  width: number;
  height: number;
  format: string;
  /** Columns an ingest saved for this pair (`--save-columns`), as JSON; null for crawled pairs. */
  savedColumns: string | null;
}

export interface ShardRecord {
  name: string;
  split: 'train' | 'val';
  number: number;
  samples: number;
  bytes: number;
  sha256: string;
  optionsHash: string;
  createdAt: number;
}

export interface SampleRecord {
  pairId: number;
  key: string;
  width: number;
  height: number;
}

export interface FailureRecord {
  pairId: number;
  sha256: string;
  reason: string;
  detail: string | null;
}

/** Every statement of the shard store, prepared once per connection, with its parameters and rows typed. */
function prepareShardStatements(db: Db, owned: string) {
  return {
    countDecisions: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM decisions'),
    clearQueue: db.prepare<[]>('DELETE FROM temp.shard_queue'),
    fillQueue: db.prepare<[]>(`
      INSERT INTO temp.shard_queue (pair_id)
      SELECT pr.id FROM decisions d
      JOIN pairs pr ON pr.id = d.pair_id
      JOIN images i ON i.id = pr.image_id
      JOIN blobs b ON b.sha256 = i.sha256
      WHERE d.kept = 1
        AND NOT EXISTS (SELECT 1 FROM shard_samples s WHERE s.pair_id = d.pair_id)
        AND NOT EXISTS (SELECT 1 FROM shard_failures f WHERE f.pair_id = d.pair_id)
        AND ${owned}
      ORDER BY b.sha256, pr.alt_norm, pr.id`),
    page: db.prepare<[afterSeq: number, limit: number], ShardCandidate>(`
      SELECT q.seq, pr.id AS pairId, i.url, coalesce(pg.final_url, pg.url) AS pageUrl,
             pr.alt_raw AS altRaw, pr.alt_norm AS alt, b.sha256, b.width, b.height, b.format,
             (SELECT s.columns FROM ingest_pairs s WHERE s.pair_id = pr.id) AS savedColumns
      FROM temp.shard_queue q
      JOIN pairs pr ON pr.id = q.pair_id
      JOIN images i ON i.id = pr.image_id
      JOIN blobs b ON b.sha256 = i.sha256
      JOIN pages pg ON pg.id = pr.page_id
      WHERE q.seq > ? ORDER BY q.seq LIMIT ?`),
    countSharded: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM shard_samples'),
    countStale: db.prepare<[], { n: number }>(`
      SELECT count(*) AS n FROM shard_samples s LEFT JOIN decisions d ON d.pair_id = s.pair_id
      WHERE d.kept IS NOT 1`),
    lastNumber: db.prepare<[split: string], { n: number | null }>('SELECT max(number) AS n FROM shards WHERE split = ?'),
    optionsInUse: db.prepare<[], { h: string }>('SELECT DISTINCT options_hash AS h FROM shards'),
    insertShard: db.prepare<ShardRecord>(`
      INSERT INTO shards (name, split, number, samples, bytes, sha256, options_hash, created_at)
      VALUES (@name, @split, @number, @samples, @bytes, @sha256, @optionsHash, @createdAt)`),
    insertSample: db.prepare<SampleRecord & { shardId: number | bigint }>(
      'INSERT INTO shard_samples (pair_id, shard_id, key, width, height) VALUES (@pairId, @shardId, @key, @width, @height)',
    ),
    insertFailure: db.prepare<FailureRecord & { recordedAt: number }>(`
      INSERT OR REPLACE INTO shard_failures (pair_id, sha256, reason, detail, recorded_at)
      VALUES (@pairId, @sha256, @reason, @detail, @recordedAt)`),
    listShards: db.prepare<[], ShardRecord>(`
      SELECT name, split, number, samples, bytes, sha256, options_hash AS optionsHash, created_at AS createdAt
      FROM shards ORDER BY split, number`),
    withdrawnShards: db.prepare<[], { id: number; name: string; samples: number }>(`
      SELECT sh.id, sh.name, sh.samples FROM shards sh
      WHERE sh.id IN (SELECT s.shard_id FROM withdrawals w JOIN shard_samples s ON s.pair_id = w.pair_id)
      ORDER BY sh.split, sh.number`),
    withdrawnSamples: db.prepare<[shardId: number], { pairId: number; key: string }>(`
      SELECT s.pair_id AS pairId, s.key FROM shard_samples s JOIN withdrawals w ON w.pair_id = s.pair_id
      WHERE s.shard_id = ? ORDER BY s.key`),
    dropSample: db.prepare<[pairId: number, shardId: number]>('DELETE FROM shard_samples WHERE pair_id = ? AND shard_id = ?'),
    updateShardFile: db.prepare<[{ id: number; samples: number; bytes: number; sha256: string }]>('UPDATE shards SET samples = @samples, bytes = @bytes, sha256 = @sha256 WHERE id = @id'),
    startRun: db.prepare<[startedAt: number]>('INSERT INTO shard_runs (started_at) VALUES (?)'),
    finishRun: db.prepare<[finishedAt: number, summary: string, runId: number]>('UPDATE shard_runs SET finished_at = ?, summary = ? WHERE id = ?'),
  };
}

type ShardStatements = ReturnType<typeof prepareShardStatements>;

/**
 * The shard stage's view of the store: kept pairs not yet in a shard (in a stable order),
 * and the record of which pair went into which shard under which key.
 */
export class ShardStore {
  readonly db: Db;
  private readonly stmts: ShardStatements;

  /** `owned`: an SQL condition on the blob `b` a pair's sample needs (a partition's share); all by default. */
  constructor(db: Db, owned = '1') {
    this.db = db;
    // This run's queue: the kept pairs to write, sorted by content so the same kept set gives the
    // same order whatever order the crawl found them in. A temp table, so paging it is cheap.
    db.exec('CREATE TEMP TABLE IF NOT EXISTS shard_queue (seq INTEGER PRIMARY KEY, pair_id INTEGER NOT NULL)');
    this.stmts = prepareShardStatements(db, owned);
  }

  countDecisions(): number {
    return this.stmts.countDecisions.get()?.n ?? 0;
  }

  /** Queues every kept pair that is in no shard and has no recorded failure; returns how many. */
  queueCandidates(): number {
    return this.db.transaction(() => {
      this.stmts.clearQueue.run();
      return this.stmts.fillQueue.run().changes;
    })();
  }

  /** The next `limit` queued candidates after position `afterSeq`, streamed from SQLite. */
  pageCandidates(afterSeq: number, limit: number): ShardCandidate[] {
    const rows: ShardCandidate[] = [];
    for (const row of this.stmts.page.iterate(afterSeq, limit)) rows.push(row);
    return rows;
  }

  countSharded(): number {
    return this.stmts.countSharded.get()?.n ?? 0;
  }

  /** Samples already written whose pair is no longer kept (a later filter run changed its mind). */
  countStale(): number {
    return this.stmts.countStale.get()?.n ?? 0;
  }

  /** The highest shard number used in a split, or -1. */
  lastShardNumber(split: 'train' | 'val'): number {
    return this.stmts.lastNumber.get(split)?.n ?? -1;
  }

  optionsInUse(): string[] {
    return this.stmts.optionsInUse.all().map((r) => r.h);
  }

  /** Records a finished shard and its samples in one transaction. */
  recordShard(shard: ShardRecord, samples: readonly SampleRecord[]): void {
    this.db.transaction(() => {
      const shardId = this.stmts.insertShard.run(shard).lastInsertRowid;
      for (const s of samples) this.stmts.insertSample.run({ ...s, shardId });
    })();
  }

  recordFailures(failures: readonly FailureRecord[], at: number): void {
    if (failures.length === 0) return;
    this.db.transaction(() => {
      for (const f of failures) this.stmts.insertFailure.run({ ...f, recordedAt: at });
    })();
  }

  listShards(): ShardRecord[] {
    return this.stmts.listShards.all();
  }

  /** Forgets every shard, sample and failure (`--rebuild`). */
  clearAll(): void {
    this.db.transaction(() => {
      this.db.exec('DELETE FROM shard_samples; DELETE FROM shard_failures; DELETE FROM shards;');
    })();
  }

  /** Shards holding a sample whose pair was withdrawn (withdrawals.ts): the ones `refresh` rewrites. */
  shardsWithWithdrawn(): { id: number; name: string; samples: number }[] {
    return this.stmts.withdrawnShards.all();
  }

  /** The withdrawn samples of one shard. */
  withdrawnSamples(shardId: number): { pairId: number; key: string }[] {
    return this.stmts.withdrawnSamples.all(shardId);
  }

  /** A shard rewritten without some samples: its new file facts, and those samples forgotten. One transaction. */
  recordRewrite(shardId: number, file: { samples: number; bytes: number; sha256: string }, removedPairIds: readonly number[]): void {
    this.db.transaction(() => {
      for (const pairId of removedPairIds) this.stmts.dropSample.run(pairId, shardId);
      this.stmts.updateShardFile.run({ id: shardId, ...file });
    })();
  }

  startRun(at: number): number {
    return Number(this.stmts.startRun.run(at).lastInsertRowid);
  }

  /** Writes the run's summary: the completion marker. */
  finishRun(runId: number, at: number, summary: unknown): void {
    this.stmts.finishRun.run(at, JSON.stringify(summary), runId);
  }

  close(): void {
    this.db.close();
  }
}

export function openShardStore(dataDir: string): ShardStore {
  return new ShardStore(openStore(dataDir));
}
