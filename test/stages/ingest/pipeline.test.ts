/**
 * An ingested parquet list through the rest of the pipeline unchanged: downloaded, filtered,
 * sharded; the saved columns reach each sample's .json, and stats shows pairs by source.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config/load.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { collectStats } from '../../../src/stages/filter/stats.js';
import { runShard } from '../../../src/stages/shard/index.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { readTar } from '../shard/read-shard.js';
import { ingest } from './helpers.js';

describe('ingest → filter → shard', () => {
  const tmp = makeTempDir();
  let server: TestServer;
  beforeAll(async () => {
    const routes: Record<string, { body: Buffer; type: string }> = {};
    for (let i = 0; i < 3; i++) {
      routes[`/${i}.jpg`] = { body: await sharp({ create: { width: 300 + i * 10, height: 260, channels: 3, background: { r: 60 * i, g: 90, b: 30 } } }).jpeg().toBuffer(), type: 'image/jpeg' };
    }
    server = await startServer(routes, '127.0.0.4');
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  test('saved columns land in the shards\' .json; stats counts pairs by source', async () => {
    const file = join(tmp.dir, 'part.parquet');
    writeFileSync(
      file,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'url', data: [0, 1, 2].map((i) => `${server.origin}/${i}.jpg`), type: 'STRING' },
            { name: 'text', data: ['a red thing on a table', 'a green thing on a chair', 'a blue thing in a box'], type: 'STRING' },
            { name: 'key', data: ['k0', 'k1', 'k2'], type: 'STRING' },
            { name: 'similarity', data: [0.31, 0.32, 0.33], type: 'DOUBLE' },
          ],
        }),
      ),
    );
    const data = join(tmp.dir, 'data');
    await ingest(data, { ingest: { inputs: [file], captionCol: 'text', saveColumns: ['key', 'similarity'] } });
    const ctx = makeContext(data);
    const config = loadConfig(undefined, {});
    const filtered = await runFilter(config.filter, ctx);
    expect(filtered.kept).toBe(3);
    await runShard(config.shard, ctx);
    const tars = readdirSync(join(data, 'shards')).filter((f) => f.endsWith('.tar'));
    const metas = (await Promise.all(tars.map((t) => readTar(join(data, 'shards', t)))))
      .flat()
      .filter((e) => e.name.endsWith('.json'))
      .map((e) => JSON.parse(e.data.toString('utf8')) as { alt: string; columns?: Record<string, unknown> });
    expect(metas.map((m) => [m.alt, m.columns]).sort()).toEqual([
      ['a blue thing in a box', { key: 'k2', similarity: 0.33 }],
      ['a green thing on a chair', { key: 'k1', similarity: 0.32 }],
      ['a red thing on a table', { key: 'k0', similarity: 0.31 }],
    ]);
    expect(collectStats(ctx).sources).toEqual([{ source: 'parquet', pairs: 3, kept: 3 }]);
  });
});
