/**
 * Recrawl: a later crawl of the same seeds refetches only what is stale, conditionally
 * (If-None-Match / If-Modified-Since); a 304 keeps what was stored, a changed page adds its new pairs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, makeTempDir } from '../../helpers/paths.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { crawl, query } from './crawl-helpers.js';

/** A route that honours If-None-Match for an ETag, or If-Modified-Since for a Last-Modified. */
function conditional(body: () => Buffer | string, type: string, validator: { etag?: () => string; lastModified?: string }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const etag = validator.etag?.();
    if ((etag && req.headers['if-none-match'] === etag) || (validator.lastModified && req.headers['if-modified-since'] === validator.lastModified)) {
      res.writeHead(304).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': type };
    if (etag) headers.etag = etag;
    if (validator.lastModified) headers['last-modified'] = validator.lastModified;
    res.writeHead(200, headers).end(body());
  };
}

describe('recrawl', () => {
  const tmp = makeTempDir();
  let s: TestServer;
  let version = 1;
  const jpg = readFileSync(join(corpusDir(), 'images', 'Landscape_3.jpg'));
  beforeAll(async () => {
    s = await startServer(
      {
        '/': conditional(() => `<a href="/about">a</a><img src="/photo.jpg" alt="version ${version} of the photo">`, 'text/html', {
          etag: () => `"v${version}"`,
        }),
        '/about': conditional(() => 'about us', 'text/html', { lastModified: 'Wed, 21 Oct 2015 07:28:00 GMT' }),
        '/photo.jpg': conditional(() => jpg, 'image/jpeg', { etag: () => '"photo"' }),
      },
      '127.0.0.60',
    );
  });
  afterAll(async () => {
    await s.close();
    tmp.cleanup();
  });

  test('nothing is refetched while fresh; stale rows are revalidated and a 304 keeps them; a change adds pairs', async () => {
    const dir = join(tmp.dir, 'data');
    const seeds = [`${s.origin}/`];
    const first = await crawl(dir, { seeds });
    expect(first).toMatchObject({ pagesFetched: 2, imagesFetched: 1, pairsFound: 1 });
    const before = query(dir, 'SELECT url, status, etag, last_modified, bytes, pairs_found FROM pages ORDER BY id');

    // Fresh (default 168 h): the second crawl asks for nothing.
    s.log.length = 0;
    const second = await crawl(dir, { seeds });
    expect(s.log).toEqual([]);
    expect(second).toMatchObject({ pagesFetched: 0, imagesFetched: 0 });

    // Stale: every row is revalidated with its validators; the server says 304 to all.
    const third = await crawl(dir, { seeds, recrawlAfterHours: 0 });
    const sent = Object.fromEntries(s.log.map((r) => [r.path, r.headers['if-none-match'] ?? r.headers['if-modified-since']]));
    expect(sent).toEqual({ '/': '"v1"', '/about': 'Wed, 21 Oct 2015 07:28:00 GMT', '/photo.jpg': '"photo"' });
    expect(third).toMatchObject({ pagesFetched: 2, pagesNotModified: 2, imagesFetched: 1, imagesNotModified: 1, pairsFound: 0, bytesDownloaded: 0 });
    expect(query(dir, 'SELECT url, status, etag, last_modified, bytes, pairs_found FROM pages ORDER BY id')).toEqual(before);
    expect(query(dir, `SELECT status, sha256 IS NOT NULL AS stored FROM images`)).toEqual([{ status: 'ok', stored: 1 }]);

    // The page changes: a full response, its new pair added beside the old one.
    version = 2;
    const fourth = await crawl(dir, { seeds, recrawlAfterHours: 0 });
    expect(fourth).toMatchObject({ pagesFetched: 2, pagesNotModified: 1, pairsFound: 1 });
    expect(query(dir, 'SELECT alt_raw FROM pairs ORDER BY id')).toEqual([{ alt_raw: 'version 1 of the photo' }, { alt_raw: 'version 2 of the photo' }]);
    expect(query(dir, `SELECT etag FROM pages WHERE url = ?`, `${s.origin}/`)).toEqual([{ etag: '"v2"' }]);
    // Each run left its summary as the completion marker.
    expect(query(dir, 'SELECT count(*) AS n FROM crawl_runs WHERE finished_at IS NOT NULL AND summary IS NOT NULL')).toEqual([{ n: 4 }]);
  });
});
