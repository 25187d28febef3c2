/**
 * The crawl store on a real SQLite file: claiming the frontier in batches, putting claimed rows
 * back after a kill, requeueing stale and transient rows, and the page opt-out image rule.
 */
import { CrawlStore, type PageResult } from '../../src/store/crawl.js';
import { openStore, type Db } from '../../src/store/db.js';
import { makeTempDir } from '../helpers/paths.js';

const page = (url: string, depth = 0) => ({ url, host: new URL(url).host, depth, kind: 'page' as const });

function result(over: Partial<PageResult> = {}): PageResult {
  return {
    httpStatus: 200, finalUrl: 'http://a/', contentType: 'text/html', charset: 'utf-8', bytes: 10, etag: null, lastModified: null,
    optOut: null, kind: 'page', attempts: 1, links: [], pairs: [], skipImages: false, ...over,
  };
}

const pair = (imageUrl: string, alt: string) => ({ imageUrl, imageHost: new URL(imageUrl).host, altRaw: alt, altNorm: alt, altKey: alt, wordCount: 1 });

describe('crawl store', () => {
  const tmp = makeTempDir();
  let db: Db;
  let store: CrawlStore;
  beforeEach(() => {
    db = openStore(`${tmp.dir}/${Math.random().toString(36).slice(2)}`);
    store = new CrawlStore(db);
  });
  afterEach(() => db.close());
  afterAll(() => tmp.cleanup());

  test('claims come per host, shallowest first, in batches; claimed rows are not claimed twice', () => {
    store.addPages([page('http://a/deep', 3), page('http://a/x', 1), page('http://b/y', 1), page('http://a/z', 1)], 1);
    store.addSeeds([page('http://a/')], 1);
    expect(store.claimPages('a', 2).map((r) => r.url)).toEqual(['http://a/', 'http://a/x']);
    expect(store.claimPages('a', 5).map((r) => r.url)).toEqual(['http://a/z', 'http://a/deep']);
    expect(store.claimPages('a', 5)).toEqual([]);
    expect(store.queuedHosts()).toEqual(['b']);
  });

  test('rows left fetching by a killed run are queued again; stale and transient rows too', () => {
    store.addSeeds([page('http://a/1'), page('http://a/2'), page('http://a/3')], 1);
    const [one, two, three] = store.claimPages('a', 3);
    store.recordPageDone(one!.id, result(), 100);
    store.recordPageFailed(two!.id, { reason: 'timeout', httpStatus: null, attempts: 1 }, 100);
    expect(store.resetInFlight()).toEqual({ pages: 1, images: 0 }); // three was in flight
    expect(store.claimPages('a', 5).map((r) => r.id)).toEqual([three!.id]);
    expect(store.requeueTransient(['timeout'])).toEqual({ pages: 1, images: 0 });
    expect(store.requeueStale(101)).toEqual({ pages: 1, images: 0 }); // one, fetched at 100
    expect(store.requeueStale(50)).toEqual({ pages: 0, images: 0 });
  });

  test('an opted-out page records its images without queueing them; a page that allows one queues it', () => {
    store.addSeeds([page('http://a/optout'), page('http://a/ok')], 1);
    const [optout, ok] = store.claimPages('a', 2);
    const first = store.recordPageDone(optout!.id, result({ optOut: 'noai', skipImages: true, pairs: [pair('http://i/1.png', 'one'), pair('http://i/2.png', 'two')] }), 5);
    expect(first).toEqual({ hosts: new Set(), newPairs: 2 });
    expect(store.claimImages('i', 10)).toEqual([]);
    const second = store.recordPageDone(ok!.id, result({ pairs: [pair('http://i/1.png', 'one again'), pair('http://i/1.png', 'one again')] }), 6);
    expect(second).toEqual({ hosts: new Set(['i']), newPairs: 1 }); // the duplicate pair collapses
    expect(store.claimImages('i', 10).map((r) => r.url)).toEqual(['http://i/1.png']);
    expect(db.prepare(`SELECT url, status, error FROM images ORDER BY id`).all()).toEqual([
      { url: 'http://i/1.png', status: 'fetching', error: null },
      { url: 'http://i/2.png', status: 'failed', error: 'page_opt_out' },
    ]);
  });

  test('an unfinished run is found until its summary is written', () => {
    const id = store.startRun(10, '{}');
    expect(store.findUnfinishedRun()).toEqual({ id, started_at: 10, config: '{}' });
    store.finishRun(id, 20, '{"pagesFetched":0}');
    expect(store.findUnfinishedRun()).toBeUndefined();
  });
});
