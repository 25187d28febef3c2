/**
 * A partitioned crawl (3 partitions, env vars set by hand as Slurm would) over five local
 * sites with links and images across hosts: each partition requests only its own hosts;
 * merge rounds hand the cross-host work over until nothing is left; the merged store then
 * holds the single-machine crawl's pairs and images, and the filter on it gives the
 * single-machine decisions (the global counts: one alt spread over every host is rejected
 * only when counted across partitions).
 */
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { runCrawl } from '../../../src/stages/crawl/index.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { runMerge, type MergeSummary } from '../../../src/stages/merge/index.js';
import { runShard } from '../../../src/stages/shard/index.js';
import { makeContext } from '../../../src/util/context.js';
import { hostPartition, resolvePartition } from '../../../src/util/partition.js';
import { makeTempDir } from '../../helpers/paths.js';
import { startWeb, type Web } from '../../helpers/sites.js';
import { query } from '../crawl/crawl-helpers.js';
import { groupSamples, readTar } from '../shard/read-shard.js';
import { readdirSync } from 'node:fs';

const N = 3;

function configFor(seed: string) {
  return loadConfig(undefined, {
    crawl: { seeds: [seed], scope: { mode: 'any' }, maxDepth: 20, retries: 0, requestDeadlineMs: 5000 },
    filter: { imagesPerAlt: { max: 6 } },
  });
}

const pairRows = (dir: string): string[] =>
  query<{ k: string }>(dir, `SELECT pg.url || ' ' || i.url || ' ' || p.alt_norm AS k FROM pairs p
    JOIN pages pg ON pg.id = p.page_id JOIN images i ON i.id = p.image_id`).map((r) => r.k).sort();
const imageRows = (dir: string): string[] =>
  query<{ k: string }>(dir, `SELECT url || ' ' || status || ' ' || coalesce(error, '') || ' ' || coalesce(sha256, '') AS k FROM images`)
    .map((r) => r.k).sort();
const notPairedRows = (dir: string) =>
  query<{ k: string }>(dir, `SELECT pg.url || ' ' || r.reason || ' ' || r.n AS k FROM imgs_not_paired r JOIN pages pg ON pg.id = r.page_id`).map((r) => r.k).sort();
const pageRows = (dir: string): string[] =>
  query<{ k: string }>(dir, `SELECT url || ' ' || status || ' ' || coalesce(error, '') AS k FROM pages`).map((r) => r.k).sort();
/** Decisions copy by copy (page, image, alt): the source copy of a duplicated sample does not depend on pair ids. */
const decisionRows = (dir: string): string[] =>
  query<{ k: string }>(dir, `SELECT pg.url || ' ' || i.url || ' ' || p.alt_norm || ' ' || d.kept || ' ' || coalesce(d.reason, '') AS k
    FROM decisions d JOIN pairs p ON p.id = d.pair_id JOIN images i ON i.id = p.image_id JOIN pages pg ON pg.id = p.page_id`).map((r) => r.k).sort();

/** Every sample of every shard as "image sha256 page url caption" (keys and shard order may differ). */
async function samples(dir: string): Promise<string[]> {
  const out: string[] = [];
  const shardDir = join(dir, 'shards');
  for (const f of readdirSync(shardDir).filter((n) => n.endsWith('.tar'))) {
    for (const s of groupSamples(await readTar(join(shardDir, f)))) {
      const meta = JSON.parse(s.members.json!.toString('utf8')) as { sha256: string; page_url: string };
      out.push(`${meta.sha256} ${meta.page_url} ${s.members.txt!.toString('utf8')}`);
    }
  }
  return out.sort();
}

describe('partitioned crawl, merged to a fixpoint', () => {
  const tmp = makeTempDir('align-partitioned-');
  let web: Web;
  beforeAll(async () => {
    web = await startWeb(5, 0);
  });
  afterAll(async () => {
    await web?.close();
    tmp.cleanup();
  });

  test('each partition requests only its hosts; the merged store and its filter equal one machine\'s', async () => {
    const config = configFor(web.seed);
    const single = join(tmp.dir, 'single');
    await runCrawl(config.crawl, makeContext(single));
    for (const s of web.servers) s.log.length = 0;

    const parts = Array.from({ length: N }, (_, i) => join(tmp.dir, `part-${i}`));
    const merged = join(tmp.dir, 'merged');
    let summary: MergeSummary | undefined;
    let rounds = 0;
    const handed: number[] = [];
    while (rounds < 12 && !summary?.done) {
      rounds += 1;
      for (let i = 0; i < N; i++) {
        const seen = web.servers.map((s) => s.log.length);
        const partition = resolvePartition(undefined, undefined, { SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_COUNT: String(N) });
        const crawled = await runCrawl(config.crawl, makeContext(parts[i]!), { partition });
        expect(crawled.partition).toEqual({ index: i, count: N, source: 'slurm' });
        web.servers.forEach((s, k) => {
          const host = new URL(s.origin).host;
          if (hostPartition(host, N) !== i) expect([host, s.log.length]).toEqual([host, seen[k]]);
        });
      }
      summary = runMerge({ into: merged, dirs: parts, copyImages: false }, makeContext(merged));
      handed.push(summary.handedOver);
    }
    expect(summary!.done).toBe(true);
    expect(handed.at(-1)).toBe(0);
    expect(handed.slice(0, -1).every((n) => n > 0)).toBe(true);
    // Every host was requested, each by its owner only, and robots.txt once per host in all.
    for (const s of web.servers) expect(s.log.filter((r) => r.path === '/robots.txt')).toHaveLength(1);

    expect(pairRows(merged)).toEqual(pairRows(single));
    expect(imageRows(merged)).toEqual(imageRows(single));
    expect(pageRows(merged)).toEqual(pageRows(single));
    expect(notPairedRows(single).length).toBeGreaterThan(0);
    expect(notPairedRows(merged)).toEqual(notPairedRows(single));

    // --copy-images gathers the files: the same store, plain files instead of links.
    const copied = join(tmp.dir, 'copied');
    const gathered = runMerge({ into: copied, dirs: parts, copyImages: true }, makeContext(copied));
    expect(gathered.imagesCopied).toBe(query<{ n: number }>(merged, 'SELECT count(*) AS n FROM blobs')[0]!.n);
    expect(gathered.imagesLinked).toBe(0);
    expect(pairRows(copied)).toEqual(pairRows(merged));

    // Merging again adds nothing and hands nothing over.
    const again = runMerge({ into: merged, dirs: [...parts].reverse(), copyImages: false }, makeContext(merged));
    expect(again.unchanged).toBe(N); // nothing changed since the last round's merge: skipped
    expect(again.added).toEqual({ pages: 0, images: 0, pairs: 0, blobs: 0 });
    const full = runMerge({ into: merged, dirs: [...parts].reverse(), copyImages: false, full: true }, makeContext(merged));
    expect(full.unchanged).toBe(0);
    expect(full.added).toEqual({ pages: 0, images: 0, pairs: 0, blobs: 0 });
    expect(full.handedOver).toBe(0);
    expect(pairRows(merged)).toEqual(pairRows(single));

    const singleFilter = await runFilter(config.filter, makeContext(single));
    const mergedFilter = await runFilter(config.filter, makeContext(merged));
    expect(decisionRows(merged)).toEqual(decisionRows(single));
    // The garden pair on every host's p2 and on host 0's opted-out /a-noai, first in URL order: the
    // source copy is that one whatever the pair ids, so no copy is kept, in both runs.
    const garden = decisionRows(merged).filter((r) => r.includes('a garden in full bloom'));
    expect(garden).toHaveLength(6);
    expect(garden.filter((r) => r.endsWith(' 0 opt-out')).map((r) => new URL(r.split(' ')[0]!).pathname)).toEqual(['/a-noai']);
    expect(garden.filter((r) => r.endsWith(' 0 duplicate'))).toHaveLength(5);
    expect(mergedFilter.kept).toBe(singleFilter.kept);
    // The spread alt is rejected by the global count (10 images > 6); each partition saw only its own hosts' 2 each.
    const spread = decisionRows(merged).filter((r) => r.includes('click here to see more'));
    expect(spread).toHaveLength(10);
    expect(spread.every((r) => r.endsWith('0 images-per-alt'))).toBe(true);
    parts.forEach((dir, i) => {
      const owned = web.servers.filter((s) => hostPartition(new URL(s.origin).host, N) === i).length;
      const perPart = query<{ n: number }>(dir, `SELECT count(DISTINCT i.url) AS n FROM pairs p JOIN images i ON i.id = p.image_id WHERE p.alt_norm = 'click here to see more'`);
      expect(perPart[0]!.n).toBe(2 * owned);
    });

    // Shard reads the merged store's images through their links into the partitions' dirs.
    const singleShards = await runShard(config.shard, makeContext(single));
    const mergedShards = await runShard(config.shard, makeContext(merged));
    expect(mergedShards.failed).toEqual({});
    expect(singleShards.failed).toEqual({});
    const got = await samples(merged);
    expect(got.length).toBe(mergedFilter.kept);
    expect(got).toEqual(await samples(single));
  }, 120_000);
});
