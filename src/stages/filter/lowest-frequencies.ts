/**
 * Each alt's lowest token frequency, one float64 per alt id in a scratch file: memory holds one
 * window of ids at a time. The sweeps visit alts in id order, so windows are read and written
 * back sequentially; an id outside the window just moves it (correct in any order, fast in order).
 *
 * The file is unlinked as soon as it is open where the OS allows it (a killed run leaves nothing
 * behind), else removed on close.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** 0 in the file: no frequency yet (every token of a stored alt has a frequency of at least 1). */
const UNSET = 0;

export class LowestFrequencies {
  private readonly fd: number;
  private readonly dir: string;
  private readonly window: Float64Array;
  /** The alt id of window[0], or -1 before any is loaded. */
  private base = -1;
  private dirty = false;
  /** One past the largest alt id written. */
  private end = 0;

  constructor(scratchDir: string, windowSize: number) {
    this.dir = mkdtempSync(join(scratchDir, 'align-token-ranks-'));
    this.fd = openSync(join(this.dir, 'lowest.f64'), 'w+');
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // Windows keeps open files: close() removes it.
    }
    this.window = new Float64Array(Math.max(1, windowSize));
  }

  /** Lowers alt `altId`'s frequency to `freq` if that is lower (or the first). */
  lower(altId: number, freq: number): void {
    const i = this.slot(altId);
    const current = this.window[i]!;
    if (current === UNSET || freq < current) {
      this.window[i] = freq;
      this.dirty = true;
    }
    if (altId >= this.end) this.end = altId + 1;
  }

  /** [altId, frequency] for every alt that has one, in id order. */
  *entries(): Generator<[number, number]> {
    for (let id = 0; id < this.end; id++) {
      const f = this.window[this.slot(id)]!;
      if (f !== UNSET) yield [id, f];
    }
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The index of `altId` in the window, moving the window there first if needed. */
  private slot(altId: number): number {
    const size = this.window.length;
    if (this.base < 0 || altId < this.base || altId >= this.base + size) {
      this.flush();
      this.base = altId - (altId % size);
      this.window.fill(UNSET);
      // Past the end of the file a read returns fewer bytes: those ids have no frequency yet.
      readSync(this.fd, this.window, 0, this.window.byteLength, this.base * 8);
    }
    return altId - this.base;
  }

  private flush(): void {
    if (!this.dirty) return;
    writeSync(this.fd, this.window, 0, this.window.byteLength, this.base * 8);
    this.dirty = false;
  }
}
