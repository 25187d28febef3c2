/**
 * Images end to end: the real corpus images (broken, odd and pixel bombs included) served over
 * HTTP, probed by sharp and stored by sha256; duplicates; one fetch per URL; opt-outs.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../../src/util/hash.js';
import { imagePath } from '../../../src/util/image-path.js';
import { corpusDir, corpusManifest, makeTempDir, type ManifestEntry } from '../../helpers/paths.js';
import { startServer, type Route, type TestServer } from '../../helpers/server.js';
import { crawl, hits, imageStates, query } from './crawl-helpers.js';

/**
 * Where we differ from MANIFEST `expected.decodable`, and why. vfile.v is libvips' own file
 * format, which libvips loads only from a file, never from memory: a crawler holds downloaded
 * bytes in memory, so sharp reports an unsupported format (it is no web format either).
 */
const DIFFERENCES: Record<string, string> = { 'vfile.v': 'unsupported_format' };

/** The reason each undecodable corpus image fails with. */
const EXPECTED_REASONS: Record<string, string> = {
  'corrupt-header.jpg': 'decode_failed',
  'truncated.jpg': 'truncated',
  'truncated.png': 'truncated',
  'giant-image.jpg': 'too_many_pixels', // 20000×14000
  '65536-uint32-limit.png': 'too_many_pixels', // 65536×65536 in 0.5 MB
  'relax.jp2': 'unsupported_format', // the prebuilt sharp has no OpenJPEG
};

interface Row {
  url: string;
  status: string;
  error: string | null;
  sha256: string | null;
  format: string | null;
  width: number | null;
  height: number | null;
}

describe('images', () => {
  const tmp = makeTempDir();
  const servers: TestServer[] = [];
  const images = corpusManifest().filter((f) => f.kind === 'image');
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    tmp.cleanup();
  });

  async function serveCorpus(host: string): Promise<TestServer> {
    const routes: Record<string, Route> = {};
    const tags = images.map((f) => `<img src="/img/${encodeURIComponent(name(f))}" alt="corpus image ${name(f)}">`);
    routes['/'] = `<html><body>${tags.join('\n')}</body></html>`;
    for (const f of images) {
      routes[`/img/${encodeURIComponent(name(f))}`] = { body: readFileSync(join(corpusDir(), f.path)), type: 'application/octet-stream' };
    }
    const s = await startServer(routes, host);
    servers.push(s);
    return s;
  }

  function rowsOf(dir: string): Map<string, Row> {
    const rows = query<Row>(
      dir,
      `SELECT i.url, i.status, i.error, i.sha256, b.format, b.width, b.height FROM images i LEFT JOIN blobs b ON b.sha256 = i.sha256`,
    );
    return new Map(rows.map((r) => [decodeURIComponent(r.url.slice(r.url.lastIndexOf('/') + 1)), r]));
  }

  function checkAgainstManifest(dir: string): void {
    const rows = rowsOf(dir);
    expect(rows.size).toBe(images.length);
    for (const f of images) {
      const row = rows.get(name(f))!;
      const difference = DIFFERENCES[name(f)];
      if (f.expected!.decodable && difference === undefined) {
        expect({ name: name(f), status: row.status, error: row.error }).toEqual({ name: name(f), status: 'ok', error: null });
        const shown = f.probe?.autoOrient ?? { width: f.expected!.width, height: f.expected!.height };
        expect({ name: name(f), format: row.format, width: row.width, height: row.height }).toEqual({ name: name(f), format: f.expected!.format, ...shown });
        expect(row.sha256).toBe(f.sha256);
        expect(readFileSync(imagePath(dir, f.sha256)).length).toBe(f.bytes);
      } else {
        const reason = difference ?? EXPECTED_REASONS[name(f)];
        expect({ name: name(f), status: row.status, error: row.error }).toEqual({ name: name(f), status: 'failed', error: reason });
        expect(existsSync(imagePath(dir, f.sha256))).toBe(false); // bytes of a failed image are not kept
      }
    }
    expect(readdirSync(join(dir, 'images', 'tmp'))).toEqual([]);
  }

  test('corpus images, header check: decodable ones stored with their displayed size, the rest failed with a reason', async () => {
    const s = await serveCorpus('127.0.0.30');
    const dir = join(tmp.dir, 'header');
    const summary = await crawl(dir, { seeds: [`${s.origin}/`], imageCheck: 'header', perHostConcurrency: 4 });
    checkAgainstManifest(dir);
    expect(summary.imagesFailed).toBe(Object.keys(EXPECTED_REASONS).length + Object.keys(DIFFERENCES).length);
    expect(summary.pairsFound).toBe(images.length);
  });

  test('corpus images, full decode: the same verdicts', async () => {
    const s = await serveCorpus('127.0.0.31');
    const dir = join(tmp.dir, 'decode');
    await crawl(dir, { seeds: [`${s.origin}/`], imageCheck: 'decode', perHostConcurrency: 4 });
    checkAgainstManifest(dir);
  });

  test('the same bytes at two URLs are one blob; an image on two pages is fetched once', async () => {
    const jpg = readFileSync(join(corpusDir(), 'images', 'Landscape_6.jpg'));
    const s = await startServer(
      {
        '/': '<a href="/two">2</a><img src="/a.jpg" alt="first url"><img src="/b.jpg" alt="second url">',
        '/two': '<img src="/a.jpg" alt="the same image again">',
        '/a.jpg': { body: jpg, type: 'image/jpeg' },
        '/b.jpg': { body: jpg, type: 'image/jpeg' },
      },
      '127.0.0.32',
    );
    servers.push(s);
    const dir = join(tmp.dir, 'dedup');
    await crawl(dir, { seeds: [`${s.origin}/`] });
    expect(hits(s.log, '/a.jpg')).toBe(1);
    expect(query(dir, 'SELECT count(*) AS n FROM blobs')).toEqual([{ n: 1 }]);
    expect(query(dir, 'SELECT count(DISTINCT sha256) AS shas, count(*) AS n FROM images')).toEqual([{ shas: 1, n: 2 }]);
    expect(query(dir, 'SELECT count(*) AS n FROM pairs')).toEqual([{ n: 3 }]);
    const files = readdirSync(join(dir, 'images'), { recursive: true }).filter((p) => String(p).split('/').length === 3);
    expect(files).toHaveLength(1);
  });

  test('opt-outs: an image saying noai is not kept; a noai page keeps its pairs but its images are not fetched', async () => {
    const png = readFileSync(join(corpusDir(), 'images', 'swiss.png'));
    const s = await startServer(
      {
        '/': '<a href="/optout">o</a><img src="/tagged.png" alt="tagged image here">',
        '/tagged.png': { body: png, type: 'image/png', headers: { 'x-robots-tag': 'noimageai' } },
        '/optout': '<meta name="robots" content="noai"><a href="/later">l</a><img src="/shared.png" alt="on an opted out page"><img src="/only-optout.png" alt="only here">',
        '/later': '<img src="/shared.png" alt="the same image on a page that allows it">',
        '/shared.png': { body: png, type: 'image/png' },
        '/only-optout.png': { body: png, type: 'image/png' },
      },
      '127.0.0.33',
    );
    servers.push(s);
    const dir = join(tmp.dir, 'optout');
    const summary = await crawl(dir, { seeds: [`${s.origin}/`], perHostConcurrency: 1 });
    expect(imageStates(dir)).toEqual({ '/tagged.png': 'failed opt_out', '/shared.png': 'ok', '/only-optout.png': 'failed page_opt_out' });
    expect(hits(s.log, '/only-optout.png')).toBe(0);
    expect(query(dir, `SELECT opt_out FROM images WHERE url LIKE '%tagged.png'`)).toEqual([{ opt_out: 'noimageai' }]);
    expect(query(dir, `SELECT opt_out FROM pages WHERE url LIKE '%/optout'`)).toEqual([{ opt_out: 'noai' }]);
    expect(query(dir, `SELECT count(*) AS n FROM pairs p JOIN pages g ON g.id = p.page_id WHERE g.opt_out IS NOT NULL`)).toEqual([{ n: 2 }]);
    expect(summary.pagesOptedOut).toBe(1);
    expect(existsSync(imagePath(dir, sha256Hex(png)))).toBe(true); // stored once, for /shared.png
  });

  test('an image store that cannot be written stops the run with E_IO; the run resumes once it can', async () => {
    const png = readFileSync(join(corpusDir(), 'images', 'swiss.png'));
    const s = await startServer({ '/': '<img src="/swiss.png" alt="a swiss flag">', '/swiss.png': { body: png, type: 'image/png' } }, '127.0.0.35');
    servers.push(s);
    const dir = join(tmp.dir, 'unwritable');
    mkdirSync(join(dir, 'images'), { recursive: true });
    const blocker = join(dir, 'images', sha256Hex(png).slice(0, 2));
    writeFileSync(blocker, 'a file where a folder must go');
    await expect(crawl(dir, { seeds: [`${s.origin}/`] })).rejects.toMatchObject({ code: 'E_IO', exitCode: 1 });
    expect(query(dir, `SELECT status FROM images`)).toEqual([{ status: 'queued' }]);
    rmSync(blocker);
    expect(await crawl(dir, { seeds: [`${s.origin}/`] })).toMatchObject({ resumed: true, imagesFetched: 1 });
  });

  test('a pixel cap below an image size rejects it as too_many_pixels', async () => {
    const s = await startServer(
      { '/': '<img src="/flag.png" alt="a flag">', '/flag.png': { body: readFileSync(join(corpusDir(), 'images', 'Flag_of_the_Netherlands.png')), type: 'image/png' } },
      '127.0.0.34',
    );
    servers.push(s);
    const dir = join(tmp.dir, 'pixels');
    const summary = await crawl(dir, { seeds: [`${s.origin}/`], maxImagePixels: 900 * 600 - 1 });
    expect(summary.imageFailures).toEqual({ too_many_pixels: 1 });
  });
});

function name(f: ManifestEntry): string {
  return f.path.slice(f.path.lastIndexOf('/') + 1);
}

