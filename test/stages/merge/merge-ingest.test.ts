/**
 * merge of partitioned `ingest --no-download` stores: each partition keeps only the rows whose
 * image host it owns (the others are counted, not stored); the merged store holds the same pairs
 * as one ingest of the same lists, every pair with its provenance (file, row, saved columns), so
 * `stats` counts pairs by source as the partitions' sum; merging again adds nothing.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostPartition } from '../../../src/util/partition.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { pairTriples, query } from '../ingest/helpers.js';

const HOSTS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((h) => `img-${h}.test`);

describe('merge of partitioned ingest stores', () => {
  const tmp = makeTempDir('align-merge-ingest-');
  const dir = (name: string) => join(tmp.dir, name);
  const csv = join(tmp.dir, 'list.csv');
  const jsonl = join(tmp.dir, 'list.jsonl');
  const ingest = (name: string, extra: string[]) =>
    runCli(['ingest', '--data-dir', dir(name), '--input', csv, jsonl, '--no-download', '--save-columns', 'license,rank', '--json', ...extra]);
  const sources = async (name: string) => JSON.parse((await runCli(['stats', '--data-dir', dir(name), '--json'])).stdout).sources as { source: string; pairs: number }[];
  const columns = (name: string) =>
    query<{ c: string }>(name, `SELECT i.url || ' ' || f.format || ':' || s.position || ' ' || s.columns AS c FROM ingest_pairs s
      JOIN pairs p ON p.id = s.pair_id JOIN images i ON i.id = p.image_id JOIN ingest_files f ON f.id = s.file_id`).map((r) => r.c).sort();

  beforeAll(() => {
    const rows = HOSTS.flatMap((h, i) => [0, 1].map((k) => `http://${h}/p${k}.jpg,"caption ${i} number ${k}",cc-by-${i},${i * 10 + k}`));
    // Row 3 has no caption: a reject each partition records, kept once when merged.
    writeFileSync(csv, ['url,caption,license,rank', ...rows, 'http://img-a.test/x.jpg,,cc0,1'].join('\n'));
    writeFileSync(jsonl, HOSTS.map((h, i) => JSON.stringify({ url: `http://${h}/j.jpg`, caption: `a json caption ${i}`, license: 'pd', rank: i })).join('\n'));
  });
  afterAll(() => tmp.cleanup());

  test('partitions keep only their hosts; merged = one ingest, with provenance and saved columns', async () => {
    expect((await ingest('single', [])).code).toBe(0);
    const parts = [];
    for (const i of [0, 1]) {
      const r = await ingest(`p${i}`, ['--partition', `${i}/2`]);
      expect(r.code).toBe(0);
      parts.push(JSON.parse(r.stdout).ingest);
    }
    for (const [i, s] of parts.entries()) {
      expect(s.partition).toMatchObject({ index: i, count: 2, source: 'flag' });
      // Every stored image is on a host the partition owns; the rest were counted, not stored.
      const hosts = query<{ host: string }>(dir(`p${i}`), 'SELECT DISTINCT host FROM images').map((r) => r.host);
      expect(hosts.length).toBeGreaterThan(0);
      expect(hosts.every((h) => hostPartition(h, 2) === i)).toBe(true);
      expect(s.otherPartition).toBe(parts[1 - i].pairsNew);
    }
    const merged = await runCli(['merge', '--into', dir('m'), dir('p0'), dir('p1'), '--json']);
    expect(merged.code).toBe(0);
    expect(pairTriples(dir('m'))).toEqual(pairTriples(dir('single')));
    expect(columns(dir('m'))).toEqual(columns(dir('single')));
    expect(columns(dir('m')).some((c) => c.startsWith('http://img-c.test/p1.jpg csv:') && c.endsWith(' {"license":"cc-by-2","rank":"21"}'))).toBe(true);
    // stats: pairs by source on the merged store = the partitions' sum = one ingest's.
    const sum = new Map<string, number>();
    for (const p of ['p0', 'p1']) for (const s of await sources(p)) sum.set(s.source, (sum.get(s.source) ?? 0) + s.pairs);
    const got = await sources('m');
    expect(new Map(got.map((s) => [s.source, s.pairs]))).toEqual(sum);
    expect(got).toEqual(await sources('single'));
    expect(query(dir('m'), 'SELECT reason FROM ingest_rejects')).toEqual(query(dir('single'), 'SELECT reason FROM ingest_rejects'));
    // Idempotent: merging again (all of it) adds nothing.
    const again = JSON.parse((await runCli(['merge', '--into', dir('m'), dir('p0'), dir('p1'), '--full', '--json'])).stdout);
    expect(again.added).toEqual({ pages: 0, images: 0, pairs: 0, blobs: 0 });
    expect(columns(dir('m'))).toEqual(columns(dir('single')));
  });

  test('a partition dir given another I/N, or none, or a bad I/N exits 2', async () => {
    const bad = await ingest('bad', ['--partition', '2/2']);
    expect(bad.code).toBe(2);
    expect(existsSync(join(dir('bad'), 'align.db'))).toBe(false);
    const other = await ingest('p0', ['--partition', '1/2']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('holds partition 0/2');
    const none = await ingest('p0', []);
    expect(none.code).toBe(2);
    const filled = await ingest('single', ['--partition', '0/2']);
    expect(filled.code).toBe(2);
    expect(filled.stderr).toContain('without partitions');
  });
});
