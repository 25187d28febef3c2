/**
 * Parquet list reading: rows/s of ingest's reader (row groups, column projection, rows → pairs)
 * against bare hyparquet reading the same columns of the same file, in the same run, and of a
 * full `ingest --no-download` (rows into the store) over its first rows. Each contender runs in
 * its own child process so its peak RSS is its own.
 *
 *   npx tsx bench/ingest-parquet.ts [rows=1000000] [storeRows=100000]
 *
 * The file has LAION's columns (SAMPLE_ID, URL, TEXT, HEIGHT, WIDTH, LICENSE, NSFW, similarity),
 * snappy, 100,000-row groups; ingest projects URL and TEXT only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { validateConfig } from '../src/config/load.js';
import { runIngest } from '../src/stages/ingest/index.js';
import { readParquet } from '../src/stages/ingest/parquet.js';
import { makeContext } from '../src/util/context.js';
import { Rng } from '../src/util/rng.js';

const WORDS = 'the a photo of red blue green small large old new house dog cat car tree city river mountain people street food table'.split(' ');
const COLUMNS = { urlCol: 'URL', captionCol: 'TEXT', pageUrlCol: null, saveColumns: [] };

function generate(path: string, rows: number): void {
  const rng = new Rng(11);
  const text = (): string => Array.from({ length: 3 + Math.floor(rng.next() * 12) }, () => WORDS[Math.floor(rng.next() * WORDS.length)]).join(' ');
  const ids = Array.from({ length: rows }, (_, i) => BigInt(i));
  writeFileSync(
    path,
    Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'SAMPLE_ID', data: ids, type: 'INT64' },
          { name: 'URL', data: ids.map((i) => `https://img${Number(i) % 5000}.example.com/photos/${i}/large.jpg`), type: 'STRING' },
          { name: 'TEXT', data: ids.map(() => text()), type: 'STRING' },
          { name: 'HEIGHT', data: ids.map(() => 200 + Math.floor(rng.next() * 1000)), type: 'INT32' },
          { name: 'WIDTH', data: ids.map(() => 200 + Math.floor(rng.next() * 1000)), type: 'INT32' },
          { name: 'LICENSE', data: ids.map(() => '?'), type: 'STRING' },
          { name: 'NSFW', data: ids.map(() => 'UNLIKELY'), type: 'STRING' },
          { name: 'similarity', data: ids.map(() => rng.next()), type: 'DOUBLE' },
        ],
        rowGroupSize: 100_000,
        codec: 'SNAPPY',
      }),
    ),
  );
}

async function measure(kind: string, file: string, limit: number): Promise<void> {
  const started = process.hrtime.bigint();
  let rows = 0;
  if (kind === 'bare') {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    let start = 0;
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows);
      rows += (await parquetReadObjects({ file: buffer, metadata, columns: ['URL', 'TEXT'], rowStart: start, rowEnd: end })).length;
      start = end;
    }
  } else if (kind === 'reader') {
    const input = { source: file, isUrl: false, format: 'parquet' as const, gzip: false, size: 0, mtimeMs: 0 };
    for await (const unit of readParquet(input, 0, COLUMNS, { userAgent: 'bench', signal: new AbortController().signal, tmpDir: tmpdir() })) rows += unit.pairs.length;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-pq-'));
    rows = (await runIngest(validateConfig({ ingest: { inputs: [file], urlCol: 'URL', captionCol: 'TEXT', download: false } }), makeContext(dir))).records;
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, rows, rssMB: process.resourceUsage().maxRSS / 1024, limit }));
}

function child(kind: string, file: string): { seconds: number; rows: number; rssMB: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind, file], { encoding: 'utf8' });
  return JSON.parse(out) as { seconds: number; rows: number; rssMB: number };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return measure(process.argv[3]!, process.argv[4]!, 0);
  const rows = Number(process.argv[2] ?? 1_000_000);
  const storeRows = Number(process.argv[3] ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-parquet-'));
  try {
    const big = join(dir, 'laion.parquet');
    const small = join(dir, 'laion-small.parquet');
    generate(big, rows);
    generate(small, storeRows);
    const bare = child('bare', big);
    const reader = child('reader', big);
    const stored = child('ingest', small);
    const line = (name: string, m: { seconds: number; rows: number; rssMB: number }): string =>
      `${name.padEnd(28)} ${String(m.rows).padStart(8)} rows  ${(m.rows / m.seconds).toFixed(0).padStart(8)} rows/s  peak RSS ${m.rssMB.toFixed(0)} MB`;
    console.log(line('bare hyparquet (URL, TEXT)', bare));
    console.log(line('ingest reader (rows → pairs)', reader));
    console.log(line('ingest --no-download (store)', stored));
    console.log(`ratio reader / bare = ${(bare.seconds / reader.seconds).toFixed(2)}; ingest (store) rows/s / bare rows/s = ${(stored.rows / stored.seconds / (bare.rows / bare.seconds)).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
