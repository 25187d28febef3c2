/**
 * A failure of the disk or the store under a run (a full disk, a file-size limit, a SQLite
 * error) as an AlignError that says which path, how much space is left and what to do next:
 * E_STORE for SQLite, E_IO for a file system call. Anything else passes through unchanged.
 */
import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AlignError } from '../errors.js';

type StorageFailure = Error & { code?: unknown; syscall?: unknown; path?: unknown };

/**
 * SQLite, or a file system call. Duck-typed, since errors from Node's core may come from
 * another realm (a test VM).
 */
export function isStorageError(err: unknown): err is StorageFailure {
  if (typeof err !== 'object' || err === null) return false;
  return (err as Error).name === 'SqliteError' || typeof (err as { syscall?: unknown }).syscall === 'string';
}

export interface StorageContext {
  /** The SQLite file the run writes (named in an E_STORE). */
  store?: string;
  /** The file or folder written when the error carries no path of its own. */
  path: string;
  /** What the user can do once space is freed. @default 'run the same command again' */
  next?: string;
}

/** The storage error as E_STORE / E_IO with the path and the free space; anything else unchanged. */
export function asStorageError(err: unknown, where: StorageContext): unknown {
  if (err instanceof AlignError || !isStorageError(err)) return err;
  const next = where.next ?? 'run the same command again';
  if (err.name === 'SqliteError') {
    const path = where.store ?? where.path;
    const code = typeof err.code === 'string' ? `${err.code}: ` : '';
    return new AlignError('E_STORE', `SQLite failed on the store ${path} (or its temporary files): ${code}${err.message}`, {
      hint: `${freeSpace(path)}; the last transaction was rolled back: free space (or fix the disk), then ${next}`,
      cause: err,
    });
  }
  const path = typeof err.path === 'string' ? err.path : where.path;
  return new AlignError('E_IO', `cannot write ${path}: ${err.message}`, {
    hint: `${freeSpace(path)}; no partial file was left: free space (or raise the file-size limit), then ${next}`,
    cause: err,
  });
}

/** Runs a write; an error that names no file (a write by descriptor names none) gets `path`. */
export function naming<T>(path: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (isStorageError(err) && err.name !== 'SqliteError' && err.path === undefined) err.path = path;
    throw err;
  }
}

/** `1.2 MB free of 2.0 MB on the file system of /data` (of the nearest folder that exists). */
export function freeSpace(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const fs = statfsSync(dir);
    return `${formatBytes(fs.bavail * fs.bsize)} free of ${formatBytes(fs.blocks * fs.bsize)} on the file system of ${dir}`;
  } catch {
    return `free space of ${dir} unknown`;
  }
}

function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
