/**
 * When recording a finished shard fails (the store is full or broken), the shard file does not
 * stay on disk without its row, and no .partial is left: the next run writes those samples again.
 */
import { readdirSync } from 'node:fs';
import { SplitWriter } from '../../src/webdataset/split-writer.js';
import { makeTempDir } from '../helpers/paths.js';

function sample(pairId: number) {
  return { members: { jpg: Buffer.alloc(700, pairId), txt: `sample ${pairId}` } };
}

test('a shard whose record fails is removed, and so is its .partial', () => {
  const tmp = makeTempDir('align-split-');
  try {
    const recorded: string[] = [];
    const writer = new SplitWriter<number>({
      dir: tmp.dir,
      split: 'train',
      prefix: 'train',
      samplesPerShard: 2,
      maxShardBytes: 1 << 20,
      onShard(shard) {
        // The writer's contract with whoever records shards (the CLI path is covered by test/cli/full-disk.test.ts).
        if (shard.number === 1) throw new Error('recording failed');
        recorded.push(shard.name);
      },
    });
    writer.add(sample(1), 1);
    writer.add(sample(2), 2); // shard 0 closes and is recorded
    writer.add(sample(3), 3);
    expect(() => writer.add(sample(4), 4)).toThrow('recording failed');
    expect(recorded).toEqual(['train-000000.tar']);
    expect(readdirSync(tmp.dir)).toEqual(['train-000000.tar']);
  } finally {
    tmp.cleanup();
  }
});
