/**
 * `shard --partition I/N` over one store, then `merge --shards`: the gathered set holds the same
 * samples (image sha256 + caption) as one `shard` of the store, each partition only images
 * whose sha256 hashes to it, keys unique, shards numbered contiguously with one sizes.json, and
 * `align-data check` passes on it. Gathering again gives the same set.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { samplePartition } from '../../../src/util/partition.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { addFixturePairs } from './fixture-store.js';
import { readTar } from './read-shard.js';

interface Sample {
  key: string;
  sha256: string;
  caption: string;
}

/** Every sample of the tars in a folder: key, image sha256 (from its .json) and caption. */
async function samples(dir: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.tar')).sort()) {
    const entries = await readTar(join(dir, name));
    for (const e of entries.filter((x) => x.name.endsWith('.json'))) {
      const key = e.name.slice(0, -'.json'.length);
      const txt = entries.find((x) => x.name === `${key}.txt`)!;
      out.push({ key, sha256: (JSON.parse(e.data.toString()) as { sha256: string }).sha256, caption: txt.data.toString() });
    }
  }
  return out;
}

const content = (list: Sample[]) => list.map((s) => `${s.sha256} ${s.caption}`).sort();

describe('shard --partition and merge --shards', () => {
  const tmp = makeTempDir('align-shard-part-');
  const data = join(tmp.dir, 'merged');
  const gathered = join(tmp.dir, 'gathered');
  const opts = ['--samples-per-shard', '3', '--val-fraction', '0.2', '--image-size', '64', '--json'];
  beforeAll(async () => {
    const pairs = [];
    for (let i = 0; i < 16; i++) {
      const image = await sharp({ create: { width: 120 + i, height: 90, channels: 3, background: { r: i * 15, g: 80, b: 250 - i * 12 } } }).png().toBuffer();
      pairs.push({ image, alt: `picture number ${i} of the test set` });
      // Every fourth image has a second caption: both pairs must land in one partition.
      if (i % 4 === 0) pairs.push({ image, alt: `another caption for picture ${i}`, pageUrl: `http://other.test/p${i}.html` });
    }
    await addFixturePairs(data, pairs);
  });
  afterAll(() => tmp.cleanup());

  test('three partitions gathered = one shard run of the same store', async () => {
    const parts: string[] = [];
    for (const i of [0, 1, 2]) {
      const r = await runCli(['shard', '--data-dir', data, '--partition', `${i}/3`, ...opts]);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s.partition).toMatchObject({ index: i, count: 3 });
      parts.push(s.shardsDir);
      for (const sample of await samples(s.shardsDir)) {
        expect(samplePartition(sample.sha256, 3)).toBe(i);
        expect(sample.key.startsWith(`p000${i}_`)).toBe(true);
      }
    }
    // A task run again (the scheduler re-runs a failed index) resumes: nothing left to write.
    const again = JSON.parse((await runCli(['shard', '--data-dir', data, '--partition', '1/3', ...opts])).stdout);
    expect(again).toMatchObject({ queued: 0, samplesWritten: 0 });
    const g = await runCli(['merge', '--shards', '--into', gathered, ...parts, '--json']);
    expect(g.code).toBe(0);
    expect((await runCli(['shard', '--data-dir', data, ...opts])).code).toBe(0);
    const single = await samples(join(data, 'shards'));
    const all = await samples(gathered);
    expect(single).toHaveLength(20);
    expect(content(all)).toEqual(content(single));
    expect(new Set(all.map((s) => s.key)).size).toBe(all.length);
    // One numbered set: train-000000.. and val-000000.. with no gap, sizes.json summing to every sample.
    const sizes = JSON.parse(readFileSync(join(gathered, 'sizes.json'), 'utf8')) as Record<string, number>;
    expect(Object.values(sizes).reduce((a, b) => a + b, 0)).toBe(20);
    const summary = JSON.parse(g.stdout);
    expect(summary.samples).toBe(20);
    for (const split of ['train', 'val']) {
      const names = Object.keys(sizes).filter((n) => n.startsWith(`${split}-`)).sort();
      expect(names).toEqual(names.map((_, k) => `${split}-${String(k).padStart(6, '0')}.tar`));
    }
    expect(summary.trainShards).toBe(join(gathered, `train-{000000..${String(Object.keys(sizes).filter((n) => n.startsWith('train-')).length - 1).padStart(6, '0')}}.tar`));
    const manifest = JSON.parse(readFileSync(join(gathered, 'manifest.json'), 'utf8'));
    expect(manifest.nsamples).toBe(all.filter((s) => !s.key.includes('val')).length);
    const check = await runCli(['check', '--data-dir', join(tmp.dir, 'nodata'), '--shards', gathered, '--json']);
    expect(check.stdout).toContain('"passed":true');
    expect(check.code).toBe(0);
    // Gathering again rewrites the same set.
    expect((await runCli(['merge', '--shards', '--into', gathered, ...parts])).code).toBe(0);
    expect(content(await samples(gathered))).toEqual(content(single));
  });

  test('a bad --partition exits 2 before any work', async () => {
    const r = await runCli(['shard', '--data-dir', data, '--partition', '3/3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--partition');
  });

  test('a folder that is no shard folder exits 2', async () => {
    const r = await runCli(['merge', '--shards', '--into', join(tmp.dir, 'g2'), join(tmp.dir, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no manifest.json');
  });
});
