/**
 * The alts of the rare-token count, spooled to a scratch file by the first sweep, so that the
 * later sweeps read them back sequentially in large chunks: no SQLite row, no allocation and no
 * hashing per alt, and only one chunk in memory whatever the number of alts.
 *
 * A record, in 32-bit words: alt id, weight (pairs), tokens n, key bytes m; then the n token
 * hashes, n starts, n ends (byte offsets in the key); then the key's m bytes, padded to 4.
 *
 * The file is unlinked as soon as it is open where the OS allows it (a killed run leaves nothing
 * behind), else removed on close.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AltTokens } from './token-table.js';

const HEADER = 16;

/** A byte buffer with a 32-bit view of the same memory. */
class Chunk {
  bytes: Uint8Array<ArrayBuffer>;
  ints: Int32Array<ArrayBuffer>;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.ints = new Int32Array(this.bytes.buffer);
  }

  /** A chunk of at least `size` bytes holding this one's first `keep` bytes. */
  grown(size: number, keep: number): Chunk {
    const bigger = new Chunk(Math.max(size, this.bytes.length * 2));
    bigger.bytes.set(this.bytes.subarray(0, keep));
    return bigger;
  }
}

const recordBytes = (tokens: number, keyBytes: number): number => HEADER + 12 * tokens + ((keyBytes + 3) & ~3);

export type AltVisitor = (altId: number, weight: number, alt: AltTokens) => void;

export class AltSpool {
  private readonly fd: number;
  private readonly dir: string;
  private chunk: Chunk;
  private used = 0;
  private written = 0;

  constructor(scratchDir: string, chunkBytes: number) {
    this.chunk = new Chunk(Math.max(HEADER, chunkBytes & ~3));
    this.dir = mkdtempSync(join(scratchDir, 'align-alt-spool-'));
    this.fd = openSync(join(this.dir, 'alts.bin'), 'w+');
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // Windows keeps open files: close() removes it.
    }
  }

  append(altId: number, weight: number, alt: AltTokens): void {
    if (weight > 0xffffffff) throw new Error(`rare tokens: an alt on more than ${0xffffffff} pairs`);
    const n = alt.count;
    const m = alt.key.length;
    const size = recordBytes(n, m);
    if (this.used + size > this.chunk.bytes.length) this.flush();
    if (size > this.chunk.bytes.length) this.chunk = new Chunk(size);
    const ints = this.chunk.ints;
    const at = this.used >> 2;
    [ints[at], ints[at + 1], ints[at + 2], ints[at + 3]] = [altId, weight >>> 0, n, m];
    ints.set(alt.hashes.subarray(0, n), at + 4);
    ints.set(alt.starts.subarray(0, n), at + 4 + n);
    ints.set(alt.ends.subarray(0, n), at + 4 + 2 * n);
    this.chunk.bytes.set(alt.key, this.used + HEADER + 12 * n);
    this.used += size;
  }

  /** Writes what is buffered; call once the first sweep has appended every alt. */
  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.chunk.bytes, 0, this.used, this.written);
    this.written += this.used;
    this.used = 0;
  }

  /** Reads every record back, in the order appended, into `alt` (whose key is a view of the chunk). */
  forEach(alt: AltTokens, visit: AltVisitor): void {
    let filled = 0;
    let pos = 0;
    let fileAt = 0;
    for (;;) {
      const need = filled - pos >= HEADER ? this.recordSize(pos) : HEADER;
      if (filled - pos < need) {
        // Move the partial record to the front, grow if one record is bigger than the chunk, read on.
        this.chunk.bytes.copyWithin(0, pos, filled);
        [filled, pos] = [filled - pos, 0];
        if (need > this.chunk.bytes.length) this.chunk = this.chunk.grown(need, filled);
        const got = readSync(this.fd, this.chunk.bytes, filled, this.chunk.bytes.length - filled, fileAt);
        if (got === 0 && filled > 0) throw new Error('rare tokens: the alt spool ends inside a record');
        if (got === 0) return;
        [filled, fileAt] = [filled + got, fileAt + got];
        continue;
      }
      const at = pos >> 2;
      const ints = this.chunk.ints;
      alt.load(this.chunk.bytes, pos + HEADER + 12 * ints[at + 2]!, ints, at + 4, ints[at + 2]!);
      visit(ints[at]!, ints[at + 1]! >>> 0, alt);
      pos += need;
    }
  }

  /** The size of the record at byte `pos`, checked: a damaged spool must fail, not loop. */
  private recordSize(pos: number): number {
    const [n, m] = [this.chunk.ints[(pos >> 2) + 2]!, this.chunk.ints[(pos >> 2) + 3]!];
    if (n < 1 || m < 0 || n > 2 * m + 1) throw new Error(`rare tokens: the alt spool is damaged at byte ${pos}`);
    return recordBytes(n, m);
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
