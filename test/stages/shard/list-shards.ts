import { openStore } from '../../../src/store/db.js';
import { openShardStore, type ShardRecord } from '../../../src/store/shard.js';

/** The shards the store records, in split and number order. */
export function listShards(dataDir: string): ShardRecord[] {
  const store = openShardStore(dataDir);
  try {
    return store.listShards();
  } finally {
    store.close();
  }
}

/** Pair ids by their normalised alt (fixture alts are unique). */
export function pairIdsByAlt(dataDir: string, alts: readonly string[]): number[] {
  const db = openStore(dataDir);
  try {
    const stmt = db.prepare('SELECT id FROM pairs WHERE alt_norm = ?');
    return alts.map((a) => (stmt.get(a) as { id: number }).id);
  } finally {
    db.close();
  }
}
