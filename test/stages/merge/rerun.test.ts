/**
 * A re-run partition replaces what it brought to the merged store: a page that failed with a
 * 500 in the first run and is fetched in the second is 'done' after the next merge, and its
 * pairs join; nothing is counted twice.
 */
import { join } from 'node:path';
import { runCrawl } from '../../../src/stages/crawl/index.js';
import { runMerge } from '../../../src/stages/merge/index.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { query, testConfig } from '../crawl/crawl-helpers.js';

describe('merge after a re-run partition', () => {
  const tmp = makeTempDir('align-merge-rerun-');
  let site: TestServer;
  let failing = true;
  beforeAll(async () => {
    site = await startServer({}, '127.0.0.2');
    site.routes.set('/', '<a href="/flaky">flaky</a>');
    site.routes.set('/flaky', (_req, res) => {
      if (failing) res.writeHead(500).end('down');
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<img src="/x.png" alt="a picture of something">');
    });
  });
  afterAll(async () => {
    await site?.close();
    tmp.cleanup();
  });

  test('the second merge shows the re-run partition\'s rows, not the first run\'s', async () => {
    const config = testConfig({ seeds: [`${site.origin}/`], downloadImages: false });
    const part = join(tmp.dir, 'part-0');
    const merged = join(tmp.dir, 'merged');
    const partition = { index: 0, count: 1, source: 'flag' as const };
    await runCrawl(config, makeContext(part), { partition });
    runMerge({ into: merged, dirs: [part], copyImages: false }, makeContext(merged));
    const flaky = (): unknown[] => query(merged, `SELECT status, error FROM pages WHERE url LIKE '%/flaky'`);
    expect(flaky()).toEqual([{ status: 'failed', error: 'http_500' }]);

    failing = false;
    await runCrawl(config, makeContext(part), { partition }); // http_500 is retried by the next run
    const second = runMerge({ into: merged, dirs: [part], copyImages: false }, makeContext(merged));
    expect(flaky()).toEqual([{ status: 'done', error: null }]);
    expect(second.unchanged).toBe(0);
    expect(second.added).toMatchObject({ pages: 0, pairs: 1, images: 1 });
    expect(query(merged, 'SELECT count(*) AS n FROM pages')).toEqual([{ n: 2 }]);
  });
});
