/**
 * The WAT fast path (a gzip member holding one plain record, read without warcio) against
 * warcio itself: every member of a WAT written with warcio gives the same unit both ways, and
 * members that are not plainly one record are left to warcio, which still reads them.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AsyncIterReader, WARCParser } from 'warcio';
import { gzipMembers } from '../../../src/stages/ingest/gzip-members.js';
import type { SourceUnit } from '../../../src/stages/ingest/types.js';
import { readWarcUnits } from '../../../src/stages/ingest/warc-records.js';
import { singleRecord } from '../../../src/stages/ingest/warc-head.js';
import { watMemberToUnit, watRecordToUnit } from '../../../src/stages/ingest/wat.js';
import { makeTempDir } from '../../helpers/paths.js';
import { buildWat, type WatPageSpec } from './warc-fixtures.js';

const PAGES: WatPageSpec[] = [
  { url: 'http://a.example/dir/p', links: [{ path: 'IMG@/src', url: 'cat.jpg', alt: 'a cat' }, { path: 'A@/href', url: '/x', alt: 'no image' }, { path: 'IMG@/src', url: '/n.jpg' }] },
  { url: 'https://b.example/', base: '/s/', metas: [{ name: 'robots', content: 'noimageai' }], links: [{ path: 'IMG@/src', url: 'd.png', alt: 'ünïcödé "quoted" alt' }] },
];

/** warcio's reading of a member: the units of all its records. */
async function viaWarcio(data: Buffer): Promise<SourceUnit[]> {
  const units: SourceUnit[] = [];
  for await (const record of new WARCParser(new AsyncIterReader([data], null))) units.push(await watRecordToUnit(record, 0));
  return units;
}

async function members(file: Buffer): Promise<Buffer[]> {
  const out: Buffer[] = [];
  async function* one(): AsyncGenerator<Buffer> {
    yield file;
  }
  for await (const m of gzipMembers(one(), 'test')) out.push(m.data);
  return out;
}

const metadata = (head: string, body: string, tail = '\r\n\r\n'): Buffer =>
  Buffer.from(`WARC/1.0\r\n${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}${tail}`);
const BODY = JSON.stringify({ Envelope: { 'WARC-Header-Metadata': { 'WARC-Target-URI': 'http://e.example/' }, 'Payload-Metadata': { 'HTTP-Response-Metadata': { 'HTML-Metadata': { Links: [{ path: 'IMG@/src', url: '/e.jpg', alt: 'e' }] } } } } });

describe('WAT fast path', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  test('every member of a warcio-written WAT gives the unit warcio gives', async () => {
    const datas = await members(await buildWat(PAGES));
    expect(datas.length).toBe(PAGES.length + 1); // warcinfo + one metadata record a page
    let pairs = 0;
    for (const data of datas) {
      const fast = watMemberToUnit(data, 0);
      expect(fast).toBeDefined();
      expect([fast]).toEqual(await viaWarcio(data));
      pairs += fast!.pairs.length;
    }
    expect(pairs).toBe(2);
  });

  test('read from a file, each unit resumes at the next member, as on the warcio path', async () => {
    const file = join(tmp.dir, 'resume.wat.gz');
    writeFileSync(file, await buildWat(PAGES));
    const fast = await read(file);
    const slow = await read(file, false);
    expect(fast.map((u) => [u.position, u.next])).toEqual(slow.map((u) => [u.position, u.next]));
    expect(fast.map((u) => u.next)).toEqual([...fast.slice(1).map((u) => u.position), statSync(file).size]);
    expect(fast.map((u) => u.pairs)).toEqual(slow.map((u) => u.pairs));
  });

  test('a lower-case header name and padded values are read as warcio reads them', async () => {
    const data = metadata('warc-type:   metadata  \r\nWARC-Target-URI: http://e.example/\r\n', BODY);
    expect(singleRecord(data)?.type).toBe('metadata');
    expect([watMemberToUnit(data, 0)]).toEqual(await viaWarcio(data));
    expect(watMemberToUnit(data, 0)!.pairs.map((p) => p.imageUrl)).toEqual(['http://e.example/e.jpg']);
  });

  test.each([
    ['two records in one member', Buffer.concat([metadata('WARC-Type: metadata\r\n', BODY), metadata('WARC-Type: metadata\r\n', BODY)])],
    ['a folded WARC-Type line (warcio joins the fold to the value)', metadata('WARC-Type: metadata\r\n  more: text\r\n', BODY)],
    ['no WARC-Type', metadata('WARC-Target-URI: http://e.example/\r\n', BODY)],
    ['a repeated WARC-Type', metadata('WARC-Type: metadata\r\nWARC-Type: resource\r\n', BODY)],
    ['a payload not ended by CRLF CRLF', metadata('WARC-Type: metadata\r\n', BODY, '\r\n')],
    ['a bare LF inside a header line', metadata('WARC-Type: metadata\r\nX-Odd: a\nb\r\n', BODY)],
    ['a non-ASCII header value', metadata('WARC-Type: metadata\r\nX-Odd: caf\u00e9\r\n', BODY)],
    ['another version line', Buffer.from(metadata('WARC-Type: metadata\r\n', BODY).toString('latin1').replace('WARC/1.0', 'WARC/0.9'), 'latin1')],
  ])('%s: left to warcio, which still reads it', async (_name, data) => {
    expect(singleRecord(data)).toBeUndefined();
    expect(watMemberToUnit(data, 0)).toBeUndefined();
    // In a file, between two plain members, the reader hands it to warcio and yields what warcio reads.
    const plain = metadata('WARC-Type: metadata\r\n', BODY);
    const file = join(tmp.dir, 'odd.wat.gz');
    writeFileSync(file, Buffer.concat([gzipSync(plain), gzipSync(data), gzipSync(plain)]));
    const expected = [...(await viaWarcio(plain)), ...(await viaWarcio(data)), ...(await viaWarcio(plain))];
    const got = await read(file);
    expect(got.map((u) => u.pairs)).toEqual(expected.map((u) => u.pairs));
    expect(got.map((u) => u.rejects)).toEqual(expected.map((u) => u.rejects));
  });
});

async function read(file: string, fastPath = true): Promise<SourceUnit[]> {
  const input = { source: file, isUrl: false, format: 'wat' as const, gzip: true, size: statSync(file).size, mtimeMs: 0 };
  const units: SourceUnit[] = [];
  const opts = { userAgent: 'test', signal: new AbortController().signal };
  for await (const unit of readWarcUnits(input, 0, watRecordToUnit, opts, fastPath ? watMemberToUnit : undefined)) units.push(unit);
  return units;
}
