/**
 * URL/caption lists: csv with quoted commas and line breaks, tsv, txt, jsonl with bad lines, a
 * JSON array, gzip, and parquet written with hyparquet-writer (snappy, extra columns, several row
 * groups) with column projection and saved columns.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { makeTempDir } from '../../helpers/paths.js';
import { ingest, pairTriples, query } from './helpers.js';

describe('ingest lists', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  const listPage = (file: string): string => new URL(`file://${file}`).href;

  test('csv: quoted commas, doubled quotes and line breaks inside a caption; a page column; bad rows recorded', async () => {
    const csv = [
      'url,caption,page',
      'http://i.example/1.jpg,"a cat, a dog, and a bird",http://p.example/a',
      'http://i.example/2.jpg,"two lines\nof caption with ""quotes""",',
      'not a url,some caption,',
      'http://i.example/3.jpg,,',
      ',no url here,',
      'https://i.example/4.jpg,plain caption,http://p.example/b',
    ].join('\r\n');
    const file = join(tmp.dir, 'list.csv');
    writeFileSync(file, csv);
    const data = join(tmp.dir, 'csv');
    const { ingest: s } = await ingest(data, { ingest: { inputs: [file], pageUrlCol: 'page', download: false } });
    expect(pairTriples(data)).toEqual(
      [
        'http://p.example/a | http://i.example/1.jpg | a cat, a dog, and a bird',
        `${listPage(file)} | http://i.example/2.jpg | two lines\nof caption with "quotes"`,
        'http://p.example/b | https://i.example/4.jpg | plain caption',
      ].sort(),
    );
    expect(s.records).toBe(6);
    expect(s.rejected).toEqual({ bad_url: 1, no_caption: 1, no_url: 1 });
    expect(query(data, 'SELECT position, reason FROM ingest_rejects ORDER BY position')).toEqual([
      { position: 2, reason: 'bad_url' },
      { position: 3, reason: 'no_caption' },
      { position: 4, reason: 'no_url' },
    ]);
    expect(query(data, 'SELECT s.position FROM ingest_pairs s ORDER BY 1')).toEqual([{ position: 0 }, { position: 1 }, { position: 5 }]);
  });

  test('tsv gzipped, txt (URLs without captions are recorded, not pairs)', async () => {
    const tsv = join(tmp.dir, 'list.tsv.gz');
    writeFileSync(tsv, gzipSync('URL\tTEXT\nhttp://i.example/t.jpg\ta caption, with a comma\n'));
    const txt = join(tmp.dir, 'urls.txt');
    writeFileSync(txt, 'http://i.example/a.jpg\n\nhttp://i.example/b.jpg\n');
    const data = join(tmp.dir, 'tsv');
    const { ingest: s } = await ingest(data, { ingest: { inputs: [tsv, txt], urlCol: 'URL', captionCol: 'TEXT', download: false } });
    expect(pairTriples(data)).toEqual([`${listPage(tsv)} | http://i.example/t.jpg | a caption, with a comma`]);
    expect(s.rejected).toEqual({ no_caption: 2 });
  });

  test('jsonl with bad lines: recorded with their reason, the rest ingested; a JSON array too', async () => {
    const jsonl = join(tmp.dir, 'rows.jsonl');
    writeFileSync(jsonl, ['{"url": "http://i.example/j1.jpg", "caption": "first good row"}', '{"url": "http://i.example/broken.jpg", "caption": ', '[1, 2]', '{"url": "http://i.example/j2.jpg", "caption": "second good row"}'].join('\n'));
    const json = join(tmp.dir, 'rows.json');
    writeFileSync(json, JSON.stringify([{ url: 'http://i.example/a1.jpg', caption: 'array {element} one' }, { url: 'http://i.example/a2.jpg', caption: 'array "element" two' }], null, 2));
    const data = join(tmp.dir, 'jsonl');
    const { ingest: s } = await ingest(data, { ingest: { inputs: [jsonl, json], download: false } });
    expect(pairTriples(data).map((t) => t.split(' | ').slice(1).join(' | '))).toEqual(
      ['http://i.example/j1.jpg | first good row', 'http://i.example/j2.jpg | second good row', 'http://i.example/a1.jpg | array {element} one', 'http://i.example/a2.jpg | array "element" two'].sort(),
    );
    expect(s.rejected).toEqual({ bad_json: 1, not_object: 1 });
    expect(query(data, 'SELECT position, reason FROM ingest_rejects ORDER BY position')).toEqual([
      { position: 1, reason: 'bad_json' },
      { position: 2, reason: 'not_object' },
    ]);
  });

  test('parquet (snappy, extra columns, several row groups): LAION columns, projection, saved columns', async () => {
    const n = 25;
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'SAMPLE_ID', data: Array.from({ length: n }, (_, i) => BigInt(1000 + i)), type: 'INT64' },
        { name: 'URL', data: Array.from({ length: n }, (_, i) => (i === 7 ? null : `http://i.example/p${i}.jpg`)), type: 'STRING' },
        { name: 'TEXT', data: Array.from({ length: n }, (_, i) => `parquet caption number ${i}`), type: 'STRING' },
        { name: 'WIDTH', data: Array.from({ length: n }, (_, i) => 100 + i), type: 'INT32' },
        { name: 'LICENSE', data: Array.from({ length: n }, () => '?'), type: 'STRING' },
      ],
      rowGroupSize: 10,
      codec: 'SNAPPY',
    });
    const file = join(tmp.dir, 'laion.parquet');
    writeFileSync(file, Buffer.from(buffer));
    const data = join(tmp.dir, 'parquet');
    const { ingest: s } = await ingest(data, { ingest: { inputs: [file], urlCol: 'URL', captionCol: 'TEXT', saveColumns: ['SAMPLE_ID', 'WIDTH'], download: false } });
    expect(s.records).toBe(n);
    expect(s.rejected).toEqual({ no_url: 1 });
    const rows = query<{ position: number; columns: string; alt: string }>(data, 'SELECT s.position, s.columns, p.alt_raw AS alt FROM ingest_pairs s JOIN pairs p ON p.id = s.pair_id ORDER BY s.position');
    expect(rows).toHaveLength(n - 1);
    expect(rows[12]).toEqual({ position: 13, columns: JSON.stringify({ SAMPLE_ID: 1013, WIDTH: 113 }), alt: 'parquet caption number 13' });
  });

  test('a list whose header lacks the URL column stops with a usage error naming the flag', async () => {
    const file = join(tmp.dir, 'wrong.csv');
    writeFileSync(file, 'link,text\nhttp://i.example/x.jpg,hello there friend\n');
    await expect(ingest(join(tmp.dir, 'wrong'), { ingest: { inputs: [file], download: false } })).rejects.toThrow(/--url-col: .* has no column `url`/);
  });
});
