import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AlignError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/** The store file inside a data directory. */
export function storePath(dataDir: string): string {
  return join(dataDir, 'align.db');
}

/**
 * Opens (creating if needed) the data directory's SQLite store: WAL, foreign keys,
 * a busy timeout, and every pending migration applied in one transaction each.
 */
export function openStore(dataDir: string, options: { readonly?: boolean } = {}): Db {
  mkdirSync(dataDir, { recursive: true });
  let db: Db;
  try {
    db = new Database(storePath(dataDir), { readonly: options.readonly ?? false });
  } catch (err) {
    throw new AlignError('E_STORE', `cannot open ${storePath(dataDir)}: ${(err as Error).message}`, {
      hint: 'check the --data-dir path and its permissions',
      cause: err,
    });
  }
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  if (!options.readonly) migrate(db);
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new AlignError('E_STORE', `the store is at schema version ${current}, newer than this align-data knows (${latest})`, {
      hint: 'upgrade align-data',
    });
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
