import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { sha256Hex } from '../../util/hash.js';
import { checkHeader } from './lists.js';
import { openInput } from './open-input.js';
import { rowToUnit } from './rows.js';
import type { InputSource, ListColumns, SourceUnit } from './types.js';

/**
 * Parquet lists (LAION, COYO, DataComp) with hyparquet: one row group at a time and only the
 * columns a pair needs (URL, caption, page URL, saved columns), so memory holds one row group's
 * projected columns, never the file. Snappy is built in; gzip, brotli, zstd and lz4 come from
 * hyparquet-compressors. Parquet needs random access: a URL (or a .gz) is first streamed to a
 * temporary file in the data directory. A resumed read starts at the row group holding `from`.
 */
export async function* readParquet(
  input: InputSource,
  from: number,
  columns: ListColumns,
  opts: { userAgent: string; signal: AbortSignal; tmpDir: string },
): AsyncGenerator<SourceUnit> {
  const local = input.isUrl || input.gzip ? await download(input, opts) : undefined;
  try {
    const file = await asyncBufferFromFile(local ?? input.source);
    const metadata = await parquetMetadataAsync(file);
    const names = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
    checkHeader(input, names, columns);
    const wanted = [columns.urlCol, columns.captionCol, columns.pageUrlCol, ...columns.saveColumns].filter(
      (c): c is string => c !== null && names.has(c),
    );
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = groupStart + Number(group.num_rows);
      if (groupEnd > from) {
        const rowStart = Math.max(from, groupStart);
        const rows = await parquetReadObjects({ file, metadata, columns: [...new Set(wanted)], rowStart, rowEnd: groupEnd, compressors });
        for (let i = 0; i < rows.length; i++) yield rowToUnit(rowStart + i, (c) => rows[i]![c], columns);
        if (opts.signal.aborted) return;
      }
      groupStart = groupEnd;
    }
  } finally {
    if (local) await rm(local, { force: true });
  }
}

async function download(input: InputSource, opts: { userAgent: string; signal: AbortSignal; tmpDir: string }): Promise<string> {
  await mkdir(opts.tmpDir, { recursive: true });
  const path = join(opts.tmpDir, `${sha256Hex(Buffer.from(input.source)).slice(0, 16)}.parquet`);
  const { stream } = await openInput(input, 0, { gunzip: input.gzip, userAgent: opts.userAgent, signal: opts.signal });
  await pipeline(stream, createWriteStream(path));
  return path;
}
