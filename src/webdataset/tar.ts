import { createHash, type Hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { naming } from '../util/storage-error.js';

/**
 * A minimal deterministic POSIX ustar writer. Every header field that could vary between runs
 * is fixed (mtime 0, mode 0644, uid/gid 0, empty uname/gname), so the same members in the
 * same order give the same bytes. The file is hashed as it is written.
 */

const BLOCK = 512;
/** GNU tar and Python's tarfile pad the archive to 20 blocks; readers accept either. */
const RECORD = 20 * BLOCK;
const MAX_SIZE = 0o77777777777; // 11 octal digits

export interface TarMember {
  name: string;
  data: Uint8Array;
}

/** The 512-byte ustar header of a regular file. */
export function tarHeader(name: string, size: number): Buffer {
  if (!/^[\x21-\x7e]{1,100}$/.test(name)) throw new Error(`tar member name must be 1-100 printable ASCII characters: ${name}`);
  if (!Number.isInteger(size) || size < 0 || size > MAX_SIZE) throw new Error(`tar member too large: ${size} bytes`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 'ascii');
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0); // mtime: fixed, so shards are reproducible
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  writeOctal(h, 329, 8, 0); // devmajor
  writeOctal(h, 337, 8, 0); // devminor
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

function writeOctal(h: Buffer, offset: number, width: number, value: number): void {
  h.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, 'ascii');
}

/** Header + data + padding of the given members, as one buffer (one sample: one write). */
export function encodeTarMembers(members: readonly TarMember[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    parts.push(tarHeader(m.name, m.data.length), m.data);
    const pad = (BLOCK - (m.data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  return Buffer.concat(parts);
}

/**
 * The size of a tar of `written` bytes of members once finished: two zero blocks end the archive,
 * then zeros up to a whole record. That adds 1,024 to 10,752 bytes (not at most one record).
 */
export function finishedTarBytes(written: number): number {
  return Math.ceil((written + 2 * BLOCK) / RECORD) * RECORD;
}

/** Writes a tar file synchronously (members are small, and sharp works off the main thread). */
export class TarWriter {
  private fd: number | undefined;
  private readonly hash: Hash = createHash('sha256');
  private written = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.written;
  }

  write(chunk: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`tar ${this.path} is closed`);
    let off = 0;
    const fd = this.fd;
    // A write by descriptor names no file: a full disk must say which.
    naming(this.path, () => {
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    });
    this.hash.update(chunk);
    this.written += chunk.length;
  }

  /** Writes the end-of-archive blocks, flushes to disk and closes. */
  finish(): { bytes: number; sha256: string } {
    this.write(Buffer.alloc(finishedTarBytes(this.written) - this.written));
    naming(this.path, () => fsyncSync(this.fd!));
    closeSync(this.fd!);
    this.fd = undefined;
    return { bytes: this.written, sha256: this.hash.digest('hex') };
  }

  /** Closes and removes the file (an unfinished shard is never left behind as if complete). */
  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.path, { force: true });
  }
}
