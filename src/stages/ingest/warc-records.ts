import { WARCParser, type WARCRecord } from 'warcio';
import { InputError, openInput } from './open-input.js';
import type { InputSource, SourceUnit } from './types.js';

/**
 * WARC records of a WARC or WAT file, streamed with warcio (each gzip member inflated as it
 * comes), as units positioned at the record's byte offset in the file as stored (compressed).
 * A record's unit is yielded once the next record's offset is known: that offset is where a
 * resumed read starts, and a local file (or a server that honours Range) seeks straight to it,
 * since every gzip member and every uncompressed record starts a valid stream of its own.
 * A file that ends inside a record (a truncated final member) ends with an InputError after the
 * records before it.
 */
export async function* readWarcUnits(
  input: InputSource,
  from: number,
  toUnit: (record: WARCRecord, position: number) => Promise<SourceUnit>,
  opts: { userAgent: string; signal: AbortSignal },
): AsyncGenerator<SourceUnit> {
  const { stream, start } = await openInput(input, from, { gunzip: false, ...opts });
  const parser = new WARCParser(stream);
  let pending = undefined as SourceUnit | undefined;
  try {
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
        // warcio ends quietly inside a cut gzip member: a local file's size tells that it was cut.
        if (input.size !== null && !input.isUrl && position < input.size) {
          throw new InputError('truncated', `${input.source}: the file ends inside the record at byte ${position}`);
        }
        break;
      }
      if (opts.signal.aborted) break;
      if (position < from) continue; // a server that ignored the Range: skip what is done
      pending = await toUnit(record, position).catch((err: unknown) => {
        throw dataError(err, input);
      });
    }
    // parse() returned null: the last record is complete. A truncated last member ends like that too, but short.
    const last = pending as SourceUnit | undefined;
    if (last) {
      last.next = input.size ?? last.position + 1;
      yield last;
    }
  } finally {
    stream.destroy();
  }
}

function dataError(err: unknown, input: InputSource): unknown {
  if (err instanceof InputError || (err as Error).name === 'AbortError') return err;
  const message = (err as Error).message ?? String(err);
  return new InputError(/unexpected end|incomplete|truncat|invalid|header/i.test(message) ? 'truncated' : 'bad_record', `${input.source}: ${message}`);
}
