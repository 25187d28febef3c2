/**
 * WAT extraction on the worker thread (wat-batches.ts) against the same extraction on the main
 * thread: the same units in the same order with the same resume offsets, over several batches;
 * a record that throws and a truncated file end the read at the same place, with the same error.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SourceUnit } from '../../../src/stages/ingest/types.js';
import { inThread, readWarcUnits, type MemberExtractor } from '../../../src/stages/ingest/warc-records.js';
import { WatBatches } from '../../../src/stages/ingest/wat-batches.js';
import { watMemberToUnit, watRecordToUnit } from '../../../src/stages/ingest/wat.js';
import { makeTempDir } from '../../helpers/paths.js';

/** One gzip member holding a WAT metadata record with this JSON text. */
function member(json: string, type = 'metadata'): Buffer {
  const body = Buffer.from(json);
  return gzipSync(Buffer.concat([Buffer.from(`WARC/1.0\r\nWARC-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`), body, Buffer.from('\r\n\r\n')]));
}

function page(i: number, links: unknown = [{ path: 'IMG@/src', url: `/img/${i}.jpg`, alt: `image ${i}` }, { path: 'A@/href', url: '/a', text: 'a link' }, { path: 'IMG@/src', url: `https://cdn.example/${i}.png`, alt: `ünï ${i}` }]): Buffer {
  const html = { Head: { Metas: i % 5 === 0 ? [{ name: 'robots', content: 'noimageai' }] : [] }, Links: links };
  return member(JSON.stringify({ Envelope: { 'WARC-Header-Metadata': { 'WARC-Target-URI': `http://h${i % 7}.example/p/${i}` }, 'Payload-Metadata': { 'HTTP-Response-Metadata': { 'HTML-Metadata': html } } } }));
}

/** 700 pages (several batches), records without image links between them, a bad JSON record. */
function wat(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 700; i++) {
    parts.push(page(i));
    if (i % 3 === 0) parts.push(member(JSON.stringify({ Envelope: { note: 'no image link' } })));
    if (i === 350) parts.push(member('{"Envelope": {"IMG@/src": '));
  }
  return Buffer.concat(parts);
}

interface Read {
  units: Pick<SourceUnit, 'position' | 'next' | 'pairs' | 'rejects'>[];
  error?: string;
}

async function read(file: string, extractor: () => MemberExtractor): Promise<Read> {
  const input = { source: file, isUrl: false, format: 'wat' as const, gzip: true, size: statSync(file).size, mtimeMs: 0 };
  const out: Read = { units: [] };
  try {
    for await (const unit of readWarcUnits(input, 0, watRecordToUnit, { userAgent: 'test', signal: new AbortController().signal }, extractor)) out.units.push(unit);
  } catch (err) {
    out.error = (err as Error).message;
  }
  return out;
}

/** A worker extractor that has loaded, so every payload with an image link goes through the worker. */
async function loadedWorker(): Promise<WatBatches> {
  const batches = new WatBatches();
  await batches.loaded;
  return batches;
}

describe('WAT extraction on a worker thread', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  test('the same units, order and resume offsets as on the main thread, over several batches', async () => {
    const file = join(tmp.dir, 'many.wat.gz');
    writeFileSync(file, wat());
    const main = await read(file, () => inThread(watMemberToUnit));
    const worker = await loadedWorker();
    const threaded = await read(file, () => worker);
    expect(main.error).toBeUndefined();
    expect(threaded).toEqual(main);
    expect(main.units.reduce((n, u) => n + u.pairs.length, 0)).toBe(1400);
    expect(main.units.filter((u) => u.rejects.length > 0).map((u) => u.rejects[0]!.reason)).toEqual(['bad_json']);
    expect(main.units.map((u) => u.next)).toEqual([...main.units.slice(1).map((u) => u.position), statSync(file).size]);
  });

  test('a record that throws, then a truncated file: the same units before each, the same error', async () => {
    const throwing = join(tmp.dir, 'throws.wat.gz');
    // Links holding null: extraction reads null.path and throws, on either thread.
    writeFileSync(throwing, Buffer.concat([page(1), page(2), page(3, [{ path: 'IMG@/src', url: '/x.jpg', alt: 'x' }, null]), page(4)]));
    const truncated = join(tmp.dir, 'cut.wat.gz');
    const whole = wat();
    writeFileSync(truncated, whole.subarray(0, whole.length - 40));
    for (const file of [throwing, truncated]) {
      const main = await read(file, () => inThread(watMemberToUnit));
      const worker = await loadedWorker();
      const threaded = await read(file, () => worker);
      expect(main.error).toBeDefined();
      expect(threaded).toEqual(main);
    }
  });
});
