/**
 * The one WARC record of a gzip member, when the member holds exactly one plain record: its
 * WARC-Type and its payload (a view into the member, not a copy). Common Crawl writes every
 * record this way. This is the WAT fast path's only parsing: warcio's generic reader (async
 * chunk readers, WHATWG Headers for every header line) cost as much per record as inflating it,
 * and a WAT metadata record needs only these two fields.
 *
 * Anything not plainly so (another version line, a folded or non-ASCII header line, a missing,
 * repeated or malformed Content-Length or WARC-Type, a payload that does not end the member with
 * the record's CRLF CRLF, a second record) returns undefined, and the caller hands the member to
 * warcio, so an odd record is read exactly as warcio reads it.
 */
export interface PlainRecord {
  type: string;
  payload: Buffer;
}

const CRLF2 = Buffer.from('\r\n\r\n');

export function singleRecord(data: Buffer): PlainRecord | undefined {
  const version = data.toString('latin1', 0, 10);
  if (version !== 'WARC/1.0\r\n' && version !== 'WARC/1.1\r\n') return undefined;
  const headEnd = data.indexOf(CRLF2, 8);
  if (headEnd < 0) return undefined;
  const fields = headerFields(data.toString('latin1', 10, headEnd));
  if (!fields || fields.type === undefined || fields.length === undefined) return undefined;
  const start = headEnd + 4;
  const end = start + fields.length;
  if (data.length !== end + 4 || data.indexOf(CRLF2, end) !== end) return undefined;
  return { type: fields.type, payload: data.subarray(start, end) };
}

const NOT_PLAIN = /[^\x20-\x7e\t\r\n]/;

/** WARC-Type and Content-Length of a header block, undefined for any line that is not plain. */
function headerFields(block: string): { type?: string; length?: number } | undefined {
  // One scan of the block for characters no plain line holds; a CR or LF left inside a line is not a line end.
  if (NOT_PLAIN.test(block)) return undefined;
  const out: { type?: string; length?: number } = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t' || line.includes('\r') || line.includes('\n')) return undefined;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'warc-type') {
      if (out.type !== undefined || value === '') return undefined;
      out.type = value;
    } else if (name === 'content-length') {
      if (out.length !== undefined || !/^\d{1,15}$/.test(value)) return undefined;
      out.length = Number(value);
    }
  }
  return out;
}
