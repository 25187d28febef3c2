import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AlignError } from '../errors.js';

/**
 * One writer per data directory: a lock file created with O_EXCL holding the owner's pid.
 * A lock whose process is gone (killed with -9, machine rebooted) is taken over.
 */
export interface DataDirLock {
  release(): void;
}

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

export function acquireLock(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'align.lock');
  const info: LockInfo = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(path);
      if (holder && isAlive(holder)) {
        // One line and no hint: cron mails stderr, and exit 75 already tells a wrapper "busy, try later".
        throw new AlignError(
          'E_LOCKED',
          `${dataDir} is in use by \`align-data ${holder.command}\` (pid ${holder.pid}, started ${holder.startedAt}); try again when it has finished`,
        );
      }
      // The holder is dead (or the file is unreadable): take the lock over.
      rmSync(path, { force: true });
    }
  }
  throw new AlignError('E_LOCKED', `could not take the lock ${path}`, { hint: 'another run is starting at the same time' });
}

function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

function isAlive(holder: LockInfo): boolean {
  if (holder.host !== hostname()) return true; // cannot tell: assume it is alive
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
