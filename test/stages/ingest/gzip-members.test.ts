/**
 * gzip members inflated by one reused native handle (gzip-members.ts), checked against zlib's own
 * gunzipSync of each member: small and large members (past the output buffer), header fields,
 * input in small chunks (members cut at every chunk end, read again once the rest comes), a
 * damaged member and a truncated file. Members are views of shared slabs: each keeps its bytes.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { INFLATER, gzipMembers, type GzipMember } from '../../../src/stages/ingest/gzip-members.js';

/** A gzip member with a file name, a comment and an extra field in its header (FEXTRA, FNAME, FCOMMENT). */
function withHeaderFields(data: Buffer): Buffer {
  const plain = gzipSync(data);
  const header = Buffer.from(plain.subarray(0, 10));
  header[3] = 4 | 8 | 16;
  const extra = Buffer.from([3, 0, 1, 2, 3]);
  return Buffer.concat([header, extra, Buffer.from('name.warc\0comment\0'), plain.subarray(10)]);
}

const INPUTS = [
  Buffer.from('WARC/1.0\r\n\r\n'),
  Buffer.alloc(0),
  randomBytes(100_000), // stored, barely compressed
  Buffer.from('abc'.repeat(200_000)), // 600 kB from a few bytes: the output buffer grows
  Buffer.from('a member with header fields'),
];

function file(): { bytes: Buffer; members: Buffer[] } {
  const members = INPUTS.map((data, i) => (i === 4 ? withHeaderFields(data) : gzipSync(data)));
  return { bytes: Buffer.concat(members), members };
}

async function read(bytes: Buffer, chunk: number): Promise<{ members: GzipMember[]; error?: string }> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
  }
  const members: GzipMember[] = [];
  try {
    // Kept as handed out, not copied: each member's bytes stay its own after later members are read.
    for await (const m of gzipMembers(chunks(), 'test')) members.push(m);
  } catch (err) {
    return { members, error: (err as Error).message };
  }
  return { members };
}

describe('gzip members', () => {
  test('on this Node the members go through the reused native handle (its self-check passed)', () => {
    // Otherwise every test here would pass on the inflateRawSync fallback alone.
    expect(INFLATER).toBe('reused handle');
  });

  test.each([1 << 20, 4096, 997])('in chunks of %i bytes: each member as gunzipSync reads it, at its offset', async (chunk) => {
    const { bytes, members } = file();
    const got = await read(bytes, chunk);
    expect(got.error).toBeUndefined();
    expect(got.members.map((m) => m.end - m.offset)).toEqual(members.map((m) => m.length));
    for (const m of got.members) expect(m.data.equals(gunzipSync(bytes.subarray(m.offset, m.end)))).toBe(true);
    expect(got.members.map((m, i) => m.data.equals(INPUTS[i]!))).toEqual(INPUTS.map(() => true));
  });

  test('a damaged member: the members before it, then bad_gzip', async () => {
    const { members } = file();
    const damaged = Buffer.from(members[1]!);
    damaged[10] = 0x07; // the first deflate block: final, of the reserved type 3
    const got = await read(Buffer.concat([members[0]!, damaged, members[2]!]), 4096);
    expect(got.members.map((m) => m.data.toString())).toEqual([INPUTS[0]!.toString()]);
    expect(got.error).toMatch(/^bad_gzip: test: no gzip member at byte \d+/);
  });

  test('a truncated file: the whole members, then truncated', async () => {
    const { bytes, members } = file();
    const got = await read(bytes.subarray(0, bytes.length - 5), 997);
    expect(got.members.map((m, i) => m.data.equals(INPUTS[i]!))).toEqual([true, true, true, true]);
    expect(got.error).toMatch(/^truncated: /);
  });
});
