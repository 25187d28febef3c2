/**
 * Withdrawn consent in the filter (src/store/withdrawals.ts), over a real crawl of a local site:
 * a page gone after its pairs were kept withdraws them, and the copy of its sample on a page that
 * still consents becomes the kept one; a page that said noai from the start, or an image never
 * fetched, is not a withdrawal; a source fetched fine again gets its pairs back.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../../src/config/load.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { crawl, query } from '../crawl/crawl-helpers.js';

describe('filter: withdrawn consent', () => {
  const tmp = makeTempDir('align-withdrawals-');
  let s: TestServer;
  const img = (path: string, alt: string): string => `<img src="${path}" alt="${alt}">`;
  beforeAll(async () => {
    const png = (shade: number): Promise<Buffer> =>
      sharp({ create: { width: 300, height: 300, channels: 3, background: { r: shade, g: 40, b: 200 } } }).png().toBuffer();
    s = await startServer(
      {
        '/': '<a href="/first.html">1</a><a href="/second.html">2</a><a href="/private.html">3</a>',
        '/first.html': img('/shared.png', 'a lighthouse on the rocks at dawn') + img('/missing.png', 'a picture that never loads'),
        '/second.html': img('/shared.png', 'a lighthouse on the rocks at dawn'),
        '/private.html': '<meta name="robots" content="noai">' + img('/own.png', 'a quiet lake in the early morning'),
        '/shared.png': { body: await png(10), type: 'image/png' },
        '/own.png': { body: await png(90), type: 'image/png' },
      },
      '127.0.0.111',
    );
  });
  afterAll(async () => {
    await s.close();
    tmp.cleanup();
  });

  /** `path | alt → reason` for every pair (reason 'kept' when kept). */
  function decisions(dir: string): Record<string, string> {
    const rows = query<{ page: string; image: string; kept: number; reason: string | null }>(
      dir,
      `SELECT g.url AS page, i.url AS image, d.kept, d.reason FROM pairs p JOIN pages g ON g.id = p.page_id
       JOIN images i ON i.id = p.image_id JOIN decisions d ON d.pair_id = p.id`,
    );
    return Object.fromEntries(rows.map((r) => [`${new URL(r.page).pathname} ${new URL(r.image).pathname}`, r.kept ? 'kept' : r.reason!]));
  }

  test('gone, then back: the kept copy moves to the page that consents, and back again', async () => {
    const dir = join(tmp.dir, 'data');
    const seeds = [`${s.origin}/`];
    const filter = async () => runFilter(loadConfig().filter, makeContext(dir));
    await crawl(dir, { seeds });
    await filter();
    expect(decisions(dir)).toEqual({
      '/first.html /shared.png': 'kept',
      '/first.html /missing.png': 'image_failed',
      '/second.html /shared.png': 'duplicate',
      '/private.html /own.png': 'opt-out',
    });

    s.routes.set('/first.html', { body: 'gone', status: 410, type: 'text/plain' });
    await crawl(dir, { seeds, recrawlAfterHours: 0 });
    const withdrawn = await filter();
    expect(withdrawn.withdrawn).toEqual({ total: 2, new: 2, restored: 0 });
    expect(decisions(dir)).toEqual({
      '/first.html /shared.png': 'withdrawn_gone',
      // A page gone withdraws every pair found on it (it was fine when they were found).
      '/first.html /missing.png': 'withdrawn_gone',
      '/second.html /shared.png': 'kept',
      // Still noai, as from the start: an opt-out, not a withdrawal.
      '/private.html /own.png': 'opt-out',
    });
    // A plain rerun changes nothing.
    expect(await filter()).toMatchObject({ changed: 0, withdrawn: { total: 2, new: 0, restored: 0 } });

    s.routes.set('/first.html', img('/shared.png', 'a lighthouse on the rocks at dawn') + img('/missing.png', 'a picture that never loads'));
    await crawl(dir, { seeds, recrawlAfterHours: 0 });
    expect((await filter()).withdrawn).toEqual({ total: 0, new: 0, restored: 2 });
    expect(decisions(dir)).toMatchObject({ '/first.html /shared.png': 'kept', '/second.html /shared.png': 'duplicate' });
    expect(query(dir, 'SELECT count(*) AS n FROM withdrawals')).toEqual([{ n: 0 }]);
  });
});
