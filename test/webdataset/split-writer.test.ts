import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.js';
import { SplitWriter } from '../../src/webdataset/split-writer.js';
import type { ShardFile } from '../../src/webdataset/manifest.js';
import { makeTempDir } from '../helpers/paths.js';

describe('SplitWriter and maxShardBytes', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  function write(name: string, sizes: readonly number[], maxShardBytes: number): ShardFile[] {
    const dir = join(tmp.dir, name);
    mkdirSync(dir, { recursive: true });
    const shards: ShardFile[] = [];
    const writer = new SplitWriter({ dir, split: 'train', prefix: 'train', samplesPerShard: 1000, maxShardBytes, onShard: (s) => shards.push(s) });
    for (const n of sizes) writer.add({ members: { bin: Buffer.alloc(n, 1) } }, undefined);
    writer.close();
    for (const s of shards) expect(statSync(join(dir, s.name)).size).toBe(s.bytes);
    expect(readdirSync(dir).sort()).toEqual(shards.map((s) => s.name).sort());
    return shards;
  }

  test('at the boundary: 39 blocks written take a whole extra record to close, and the shard still fits', () => {
    // Sample 1: header + 9,216 bytes = 19 blocks; sample 2: header + 9,728 = 20 blocks. Together
    // 39 blocks (19,968 bytes): the two end blocks no longer fit the second record, so closing
    // takes 10,752 bytes and the file is 30,720 bytes: over a 30,208-byte cap.
    const shards = write('boundary', [9216, 9728], 30_208);
    expect(shards.map((s) => s.samples)).toEqual([1, 1]);
    for (const s of shards) expect(s.bytes).toBeLessThanOrEqual(30_208);
  });

  test('whatever the sample sizes, no shard passes maxShardBytes', () => {
    const rng = new Rng(5);
    const sizes = Array.from({ length: 300 }, () => rng.int(12_000));
    const max = 40_960;
    const shards = write('sweep', sizes, max);
    expect(shards.reduce((n, s) => n + s.samples, 0)).toBe(sizes.length);
    for (const s of shards) expect(s.bytes).toBeLessThanOrEqual(max);
  });
});
