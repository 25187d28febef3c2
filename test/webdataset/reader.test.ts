import { join } from 'node:path';
import { emptyCounts, readShard, streamSamples, type RawSample } from '../../src/webdataset/reader.js';
import { writeShards } from '../../src/webdataset/write-shards.js';
import { makeTempDir } from '../helpers/paths.js';

async function collect(gen: AsyncIterable<RawSample>): Promise<RawSample[]> {
  const out: RawSample[] = [];
  for await (const s of gen) out.push(s);
  return out;
}

describe('WebDataset reader: member size cap', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  // A real tar: three samples, the middle one with a 3 MiB image member.
  const dir = join(tmp.dir, 'big');
  const big = Buffer.alloc(3 * 1024 * 1024, 0xab);
  const written = writeShards(dir, {
    train: [
      { members: { jpg: Buffer.from('small image one'), txt: 'the first caption' } },
      { members: { jpg: big, txt: 'a caption beside an oversized image' } },
      { members: { jpg: Buffer.from('small image three'), txt: 'the third caption' } },
    ],
  });
  const shard = join(dir, written.train!.shards[0]!.name);

  test('a member over maxMemberBytes makes its sample corrupt; the samples after it are still read', async () => {
    const counts = emptyCounts();
    const read = await collect(readShard(shard, counts, { maxMemberBytes: 1024 * 1024 }));
    expect(read.map((s) => s.caption)).toEqual(['the first caption', 'the third caption']);
    expect(counts).toEqual({ samples: 2, incomplete: 0, corrupt: 1, brokenShards: 0 });
  });

  test('streamSamples passes the cap on; under the 64 MiB default the same member is read whole', async () => {
    const capped = emptyCounts();
    expect(await collect(streamSamples([shard], capped, { maxMemberBytes: 2 * 1024 * 1024 }))).toHaveLength(2);
    expect(capped.corrupt).toBe(1);
    const counts = emptyCounts();
    const read = await collect(readShard(shard, counts));
    expect(read).toHaveLength(3);
    expect(read[1]!.image.equals(big)).toBe(true);
    expect(counts.corrupt).toBe(0);
  });
});
