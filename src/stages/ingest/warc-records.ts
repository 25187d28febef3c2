import { AsyncIterReader, WARCParser, type WARCRecord } from 'warcio';
import { gzipMembers, isGzip } from './gzip-members.js';
import { InputError, openInput } from './open-input.js';
import type { InputSource, SourceUnit } from './types.js';

/**
 * WARC records of a WARC or WAT file, streamed and parsed with warcio, as units positioned at
 * the record's byte offset in the file as stored (for a .gz: the offset of its gzip member).
 * That offset is where a resumed read starts: a local file seeks to it, a URL asks for it with a
 * Range, since every gzip member (and every uncompressed record) starts a valid stream.
 *
 * Gzip files go member by member through native zlib (gzip-members.ts), each member's records
 * parsed by warcio; a file that ends inside a member keeps the records before it and ends with
 * an InputError ('truncated'). Uncompressed files stream straight through warcio.
 */
type ToUnit = (record: WARCRecord, position: number) => Promise<SourceUnit>;
/** A reader's fast path for a whole gzip member; undefined hands the member to warcio. */
export type MemberToUnit = (data: Buffer, position: number) => SourceUnit | undefined;

export async function* readWarcUnits(
  input: InputSource,
  from: number,
  toUnit: ToUnit,
  opts: { userAgent: string; signal: AbortSignal },
  memberToUnit?: MemberToUnit,
): AsyncGenerator<SourceUnit> {
  const { stream, start } = await openInput(input, from, { gunzip: false, ...opts });
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    const first = await chunks.next();
    if (first.done) return;
    const all = prepend(first.value, chunks);
    const units = isGzip(first.value) ? fromMembers(all, start, from, toUnit, input, memberToUnit) : fromPlain(all, start, from, toUnit, input);
    for await (const unit of units) {
      yield unit;
      if (opts.signal.aborted) return;
    }
  } finally {
    stream.destroy();
  }
}

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

async function* fromMembers(
  chunks: AsyncIterable<Buffer>,
  start: number,
  from: number,
  toUnit: ToUnit,
  input: InputSource,
  memberToUnit: MemberToUnit | undefined,
): AsyncGenerator<SourceUnit> {
  for await (const member of gzipMembers(chunks, input.source)) {
    const position = start + member.offset;
    if (position < from) continue; // a server that ignored the Range: skip what is done
    const fast = memberToUnit?.(member.data, position);
    if (fast) {
      fast.next = start + member.end;
      yield fast;
      continue;
    }
    const units: SourceUnit[] = [];
    try {
      // The member is already inflated: tell warcio so (its default tries pako on every member first).
      for await (const record of new WARCParser(new AsyncIterReader([member.data], null))) units.push(await toUnit(record, position));
    } catch (err) {
      throw dataError(err, input);
    }
    // Records sharing a member resume together: only the member's last one moves the resume point past it.
    units.forEach((u, i) => (u.next = i === units.length - 1 ? start + member.end : position));
    yield* units;
  }
}

/** An uncompressed WARC: a record's unit is yielded once the next record's offset (its resume point) is known. */
async function* fromPlain(chunks: AsyncIterable<Buffer>, start: number, from: number, toUnit: ToUnit, input: InputSource): AsyncGenerator<SourceUnit> {
  const parser = new WARCParser(chunks);
  let pending: SourceUnit | undefined;
  for (;;) {
    let record: WARCRecord | null;
    try {
      record = await parser.parse();
    } catch (err) {
      throw dataError(err, input);
    }
    const position = start + parser.offset;
    if (pending) {
      pending.next = position;
      yield pending;
      pending = undefined;
    }
    if (record === null) {
      if (input.size !== null && !input.isUrl && position < input.size) {
        throw new InputError('truncated', `${input.source}: the file ends inside the record at byte ${position}`);
      }
      return;
    }
    if (position < from) continue;
    pending = await toUnit(record, position).catch((err: unknown) => {
      throw dataError(err, input);
    });
  }
}

function dataError(err: unknown, input: InputSource): unknown {
  if (err instanceof InputError || (err as Error).name === 'AbortError') return err;
  return new InputError('bad_record', `${input.source}: ${(err as Error).message ?? String(err)}`);
}
