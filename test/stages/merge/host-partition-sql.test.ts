/**
 * merge's SQL asks `align_part(host, n)` once per row and remembers each host's answer: the
 * remembered answer must be the shared host hash's (crawl and shard use hostPartition directly),
 * for any n, for hosts in any case, and still after the memo has been emptied.
 */
import { openStore } from '../../../src/store/db.js';
import { registerHostPartition } from '../../../src/store/merge.js';
import { hostPartition } from '../../../src/util/partition.js';
import { makeTempDir } from '../../helpers/paths.js';

describe('align_part in merge\'s SQL', () => {
  const tmp = makeTempDir('align-merge-part-');
  afterAll(() => tmp.cleanup());

  test('equals hostPartition for every host and count, asked again and past the memo\'s size', () => {
    const db = openStore(tmp.dir);
    registerHostPartition(db);
    const ask = db.prepare('SELECT align_part(?, ?) AS part').pluck();
    const hosts = Array.from({ length: 2_000 }, (_, i) => (i % 2 ? `Site${i}.Example` : `img${i}.example`));
    // Several counts for the same host in a row: a memo keyed by host alone would answer the first.
    for (const host of hosts) {
      for (const n of [3, 16, 1, 7]) expect(ask.get(host, n)).toBe(hostPartition(host, n));
    }
    // 100,000 more hosts empty the memo once; the first hosts are then computed afresh.
    for (let i = 0; i < 100_000; i++) ask.get(`filler${i}.example`, 5);
    for (const host of hosts.slice(0, 200)) expect(ask.get(host, 16)).toBe(hostPartition(host, 16));
    db.close();
  });
});
