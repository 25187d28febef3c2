import { constants, createInflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import { InputError } from './open-input.js';

/**
 * The gzip members of a stream, each inflated whole by native zlib, with its byte offset in the
 * compressed stream. A WARC/WAT file is one member per record (the WARC spec's recommendation,
 * and Common Crawl's practice), so a member is small and its offset is a place a read can resume
 * from. This is the fast path: warcio's own inflate (pako) ran at a tenth of native gunzip's rate.
 * The compressed bytes a member used come from zlib's own count of the input it consumed, never
 * from searching for a header, which could also occur inside compressed data.
 */

export interface GzipMember {
  /** Offset of the member's first byte in the stream. */
  offset: number;
  /** Offset just past its last byte. */
  end: number;
  data: Buffer;
}

/** A member larger than this (compressed) is not one record a member: refuse rather than hold it. */
const MAX_MEMBER_BYTES = 256 * 1024 * 1024;

export function isGzip(first: Uint8Array): boolean {
  return first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
}

export async function* gzipMembers(chunks: AsyncIterable<Buffer>, source: string): AsyncGenerator<GzipMember> {
  const iterator = chunks[Symbol.asyncIterator]();
  let buf: Buffer = Buffer.alloc(0);
  let offset = 0;
  let ended = false;
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      return false;
    }
    buf = buf.length === 0 ? next.value : Buffer.concat([buf, next.value]);
    return true;
  };
  for (;;) {
    if (buf.length === 0 && !(await more())) return;
    const member = inflateMember(buf);
    if (member === 'short') {
      if (await more()) continue;
      throw new InputError('truncated', `${source}: the file ends inside the gzip member at byte ${offset}`);
    }
    if (member === 'bad') throw new InputError('bad_gzip', `${source}: no gzip member at byte ${offset}`);
    if (buf.length > MAX_MEMBER_BYTES) throw new InputError('member_too_large', `${source}: a gzip member over ${MAX_MEMBER_BYTES} bytes at ${offset}`);
    yield { offset, end: offset + member.length, data: member.data };
    offset += member.length;
    buf = buf.subarray(member.length);
  }
}

/** The member at the start of `buf`: its inflated bytes and compressed length, 'short' when `buf` ends inside it. */
function inflateMember(buf: Buffer): { data: Buffer; length: number } | 'short' | 'bad' {
  const header = headerLength(buf);
  if (header === 'short' || header === 'bad') return header;
  const inflated = reusable ? reusable.inflate(buf, header) : inflateOnce(buf.subarray(header));
  if (inflated === 'short' || inflated === 'bad') return inflated;
  const length = header + inflated.used + 8; // + CRC32 and ISIZE
  if (length > buf.length) return 'short';
  return { data: inflated.data, length };
}

type Inflated = { data: Buffer; used: number } | 'short' | 'bad';

function inflateOnce(deflated: Buffer): Inflated {
  try {
    const result = inflateRawSync(deflated, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    return { data: result.buffer, used: result.engine.bytesWritten };
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'short' : 'bad';
  }
}

/** The native zlib handle behind a zlib stream, as Node's own sync functions drive it (lib/zlib.js, processChunkSync). */
interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  reset(): void;
  onerror: (message: string, errno: number, code: string) => void;
}

const SLAB_BYTES = 1 << 20;

/**
 * One raw inflater for every member. inflateRawSync builds a zlib stream object per call, which
 * cost a third of inflating a WAT's small members; this drives one native handle the way
 * inflateRawSync does inside (writeSync until the output has room to spare, then reset), through
 * Node's internal handle API. Where that API is not what it expects, `reusable` is undefined and
 * every member goes through inflateRawSync.
 */
class ReusableInflater {
  private error: string | undefined;
  /**
   * Members are inflated straight into a slab, each one's bytes a view of its own part: no copy,
   * and one ArrayBuffer per ~100 members instead of one each (fewer for the GC to track). A slab
   * is never written again where a member was handed out; it is freed with the last view.
   */
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private used = 0;

  constructor(
    private readonly engine: object, // the stream that owns the handle, kept alive with it
    private readonly handle: ZlibHandle,
    private readonly state: Uint32Array,
  ) {
    // Errors come back through this callback during writeSync; the stream's own would destroy it.
    handle.onerror = (_message, _errno, code) => (this.error = code);
  }

  inflate(buf: Buffer, from: number): Inflated {
    const { handle, state } = this;
    handle.reset();
    this.error = undefined;
    let inOff = from;
    let inLen = buf.length - from;
    let start = this.used;
    let at = start;
    for (;;) {
      const room = this.slab.length - at;
      handle.writeSync(constants.Z_FINISH, buf, inOff, inLen, this.slab, at, room);
      if (this.error !== undefined) return this.error === 'Z_BUF_ERROR' ? 'short' : 'bad';
      const [outLeft, inLeft] = [state[0]!, state[1]!];
      at += room - outLeft;
      inOff += inLen - inLeft;
      inLen = inLeft;
      if (outLeft > 0) break;
      // The slab is full: a new one, at least twice what this member has so far, its start moved over.
      const next = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, 2 * (at - start)));
      this.slab.copy(next, 0, start, at);
      this.slab = next;
      this.used = 0;
      at -= start;
      start = 0;
    }
    const slab = this.slab;
    this.used = at;
    if (slab.length - at < SLAB_BYTES / 8) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    return { data: slab.subarray(start, at), used: inOff - from };
  }
}

const reusable: ReusableInflater | undefined = (() => {
  const engine = createInflateRaw() as unknown as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
  const { _handle: handle, _writeState: state } = engine;
  // Not `instanceof`: under a vm context (jest) Node's own Uint32Array is another realm's.
  const isState = Object.prototype.toString.call(state) === '[object Uint32Array]' && (state as Uint32Array).length === 2;
  if (typeof handle?.writeSync !== 'function' || typeof handle.reset !== 'function' || !isState) return undefined;
  const inflater = new ReusableInflater(engine, handle as ZlibHandle, state as Uint32Array);
  return worksLikeZlib(inflater) ? inflater : undefined;
})();

/**
 * The internal API has the right shape; check it also behaves: two members (so the reset is
 * exercised) must come back as inflateRawSync gives them, with the input they used counted.
 */
function worksLikeZlib(inflater: ReusableInflater): boolean {
  try {
    for (const text of ['align-data: a WAT member', 'and the next one, after a reset']) {
      const deflated = deflateRawSync(Buffer.from(text));
      const padded = Buffer.concat([Buffer.alloc(3), deflated, Buffer.alloc(8)]);
      const got = inflater.inflate(padded, 3);
      if (typeof got === 'string' || got.used !== deflated.length || got.data.toString() !== text) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** RFC 1952 header: 10 bytes, then the optional extra field, file name, comment and header CRC. */
function headerLength(buf: Buffer): number | 'short' | 'bad' {
  if (buf.length < 10) return 'short';
  if (buf[0] !== 0x1f || buf[1] !== 0x8b || buf[2] !== 8) return 'bad';
  const flags = buf[3]!;
  let at = 10;
  if (flags & 4) {
    if (buf.length < at + 2) return 'short';
    at += 2 + buf.readUInt16LE(at);
  }
  for (const bit of [8, 16]) {
    if (!(flags & bit)) continue;
    const zero = buf.indexOf(0, at);
    if (zero < 0) return 'short';
    at = zero + 1;
  }
  if (flags & 2) at += 2;
  return at <= buf.length ? at : 'short';
}

/** Which inflater this process uses: the reused native handle, or inflateRawSync where that API is missing. */
export const INFLATER: 'reused handle' | 'inflateRawSync' = reusable ? 'reused handle' : 'inflateRawSync';
