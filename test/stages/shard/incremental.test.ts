import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runShard, shardsDir } from '../../../src/stages/shard/index.js';
import { splitOf } from '../../../src/stages/shard/keys.js';
import { makeContext } from '../../../src/util/context.js';
import { Logger } from '../../../src/util/log.js';
import { sha256Hex } from '../../../src/util/hash.js';
import { makeTempDir } from '../../helpers/paths.js';
import { addFixturePairs, type FixturePair, setKept } from './fixture-store.js';
import { awkwardImagesFixture, corpusImage, readAllSamples, shardConfig, type ReadSample } from './fixtures.js';
import { listShards, pairIdsByAlt } from './list-shards.js';

/**
 * The golden hashes of the awkward-images fixture's shards plus two plain photos that the native
 * encoder takes (shardConfig(): 5 samples a shard, val fraction 0.25, S = 256, quality 90; the
 * photos decoded at 1/2 and 1/4 and resized at the exact scale, the rest through sharp with
 * Lanczos-3 after a shrink-on-load leaving it ≥ 2×; 4:2:0, no Huffman optimisation). They pin
 * the whole output, bytes included, of the native encoder and sharp 0.34.5 (libvips 8.17.3) on
 * linux-x64: a change of encoder, key, member order, header field or JSON layout changes them.
 */
const GOLDEN: Record<string, string> = {
  'train-000000.tar': 'd06583925f621aa4a21daff10fb1de870661f719f5ada88e58bce42fa050c420',
  'train-000001.tar': '04f756ad77136e20ff4334bf597800892c3d6c70a62f6e9892a181a8a0958a1e',
  'val-000000.tar': '1fb173d5da8c1ae1ad4b0dfba7d54ec661f7e6de4ba258b04f65160e9d965d71',
};

/** Photos the native encoder takes: 1600×1203 (an odd side; decoded at 1/2), 3840×2160 with an sRGB profile (at 1/4). */
const plainPhotos = (): FixturePair[] => [
  { image: corpusImage('FreshFlower.jpg'), alt: 'Fresh flowers, a progressive JPEG' },
  { image: corpusImage('gain-map.jpg'), alt: 'A street at night with an sRGB profile' },
];

describe('shard: determinism', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  test('the same kept set gives byte-identical shards, whatever the concurrency or insertion order; golden sha256', async () => {
    const a = join(tmp.dir, 'a');
    const b = join(tmp.dir, 'b');
    const pairs = [...awkwardImagesFixture(), ...plainPhotos()];
    await addFixturePairs(a, pairs);
    await addFixturePairs(b, [...pairs].reverse()); // other pair ids, same kept set
    await runShard(shardConfig({ concurrency: 1 }), makeContext(a));
    await runShard(shardConfig({ concurrency: 4 }), makeContext(b));
    const hashes = (dir: string): Record<string, string> =>
      Object.fromEntries(listShards(dir).map((s) => [s.name, sha256Hex(readFileSync(join(shardsDir(dir), s.name)))]));
    expect(hashes(b)).toEqual(hashes(a));
    expect(readFileSync(join(shardsDir(b), 'manifest.json'), 'utf8')).toBe(readFileSync(join(shardsDir(a), 'manifest.json'), 'utf8'));
    expect(hashes(a)).toEqual(GOLDEN);
  });
});

describe('shard: incremental runs and the val split', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  const fixture = awkwardImagesFixture();
  const config = shardConfig({ samplesPerShard: 3, valFraction: 0.3 });
  const splitOfSample = (s: ReadSample): string => (s.shard.startsWith('val-') ? 'val' : 'train');

  test('a later run writes only new kept pairs, into new shards; old shards are untouched', async () => {
    await addFixturePairs(tmp.dir, fixture.slice(0, 6));
    const first = await runShard(config, makeContext(tmp.dir));
    expect(first.samplesWritten).toBe(6);
    const before = listShards(tmp.dir).map((s) => ({ ...s, mtimeMs: statSync(join(shardsDir(tmp.dir), s.name)).mtimeMs }));
    const samplesBefore = await readAllSamples(shardsDir(tmp.dir));

    await addFixturePairs(tmp.dir, fixture.slice(6));
    const second = await runShard(config, makeContext(tmp.dir));
    expect(second.samplesWritten).toBe(6); // 12 samples in all, as in one run
    expect(second.failed).toEqual({ decode_failed: 2, missing_file: 1 });
    const after = listShards(tmp.dir);
    for (const old of before) {
      const now = after.find((s) => s.name === old.name)!;
      expect(now.sha256).toBe(old.sha256);
      expect(sha256Hex(readFileSync(join(shardsDir(tmp.dir), old.name)))).toBe(old.sha256);
      expect(statSync(join(shardsDir(tmp.dir), old.name)).mtimeMs).toBe(old.mtimeMs);
    }
    expect(after.length).toBe(before.length + second.shardsWritten);
    const samples = await readAllSamples(shardsDir(tmp.dir));
    expect(samples).toHaveLength(12);
    // A pair is in at most one shard: no (image, alt) twice, no key twice.
    expect(new Set(samples.map((s) => `${s.json.sha256} ${s.txt}`)).size).toBe(12);
    expect(new Set(samples.map((s) => s.key)).size).toBe(12);
    // Images kept their split as the dataset grew.
    for (const s of samplesBefore) expect(splitOfSample(samples.find((x) => x.key === s.key)!)).toBe(splitOfSample(s));

    const third = await runShard(config, makeContext(tmp.dir));
    expect([third.queued, third.shardsWritten, third.totalSamples]).toEqual([0, 0, 12]);
  });

  test('the val split is by image: disjoint, stable, and about the configured fraction', async () => {
    const samples = await readAllSamples(shardsDir(tmp.dir));
    const val = samples.filter((s) => splitOfSample(s) === 'val');
    const train = samples.filter((s) => splitOfSample(s) === 'train');
    expect(val.length).toBeGreaterThan(0);
    expect(train.length).toBeGreaterThan(0);
    const valImages = new Set(val.map((s) => s.json.sha256));
    for (const s of train) expect(valImages.has(s.json.sha256)).toBe(false);
    for (const s of val) expect(s.key.startsWith('val')).toBe(true);
    for (const s of samples) expect(splitOfSample(s)).toBe(splitOf(s.json.sha256, 0.3));
    // Over many images the held-out share is the fraction (20,000 draws: ±4 standard deviations).
    const shas = Array.from({ length: 20_000 }, (_, i) => sha256Hex(`image ${i}`));
    const share = shas.filter((s) => splitOf(s, 0.01) === 'val').length / shas.length;
    expect(Math.abs(share - 0.01)).toBeLessThan(4 * Math.sqrt((0.01 * 0.99) / 20_000));
    expect(shas.every((s) => splitOf(s, 0) === 'train' && splitOf(s, 1) === 'val')).toBe(true);
  });

  test('--rebuild rewrites everything after the filter changed what is kept', async () => {
    const samples = await readAllSamples(shardsDir(tmp.dir));
    const dropped = samples.slice(0, 2).map((s) => s.txt);
    setKept(tmp.dir, pairIdsByAlt(tmp.dir, dropped), false);
    const stale = await runShard(config, makeContext(tmp.dir));
    expect(stale.staleSamples).toBe(2);
    const rebuilt = await runShard(config, makeContext(tmp.dir), { rebuild: true });
    expect([rebuilt.samplesWritten, rebuilt.totalSamples, rebuilt.staleSamples]).toEqual([10, 10, 0]);
    const now = await readAllSamples(shardsDir(tmp.dir));
    expect(now.map((s) => s.txt)).not.toEqual(expect.arrayContaining([dropped[0]]));
    expect(new Set(now.map((s) => s.key)).size).toBe(10);
  });

  test('Ctrl-C before work writes nothing and the next run writes it all', async () => {
    const dir = join(tmp.dir, 'abort');
    await addFixturePairs(dir, fixture.slice(0, 4));
    const controller = new AbortController();
    controller.abort();
    const stopped = await runShard(config, makeContext(dir, { signal: controller.signal }));
    expect([stopped.samplesWritten, stopped.interrupted]).toEqual([0, true]);
    const resumed = await runShard(config, makeContext(dir));
    expect(resumed.samplesWritten).toBe(4);
  });
});

describe('shard --rebuild: the same bytes whatever the history', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  const fixture = awkwardImagesFixture();
  const config = shardConfig({ samplesPerShard: 2, valFraction: 0.3, concurrency: 1 });
  /** Every file in shards/ (shards, sizes.json, manifests) by name, as sha256. */
  const files = (dir: string): Record<string, string> =>
    Object.fromEntries(readdirSync(shardsDir(dir)).sort().map((name) => [name, sha256Hex(readFileSync(join(shardsDir(dir), name)))]));

  test('a run with other options, a --rebuild stopped by Ctrl-C, an incremental run, then --rebuild: byte for byte a single --rebuild of the same store', async () => {
    const history = join(tmp.dir, 'history');
    const fresh = join(tmp.dir, 'fresh');
    await addFixturePairs(history, fixture.slice(0, 6));
    await runShard(shardConfig({ ...config, imageSize: 128, trainPrefix: 'old' }), makeContext(history));
    // A --rebuild stopped part way, as by Ctrl-C: the signal fires as the first shard is recorded.
    const controller = new AbortController();
    const sink = { write: (line: string) => (line.includes('shard: wrote') ? controller.abort() : undefined) };
    const log = new Logger({ sink, level: 'debug' });
    const stopped = await runShard(config, makeContext(history, { signal: controller.signal, log }), { rebuild: true });
    expect(stopped.interrupted).toBe(true);
    expect(stopped.samplesWritten).toBeLessThan(6);
    await addFixturePairs(history, fixture.slice(6));
    await runShard(config, makeContext(history));
    const rebuilt = await runShard(config, makeContext(history), { rebuild: true });

    // The same pairs, in the same order (so the same pair ids), sharded once with --rebuild.
    await addFixturePairs(fresh, fixture.slice(0, 6));
    await addFixturePairs(fresh, fixture.slice(6));
    const once = await runShard(config, makeContext(fresh), { rebuild: true });

    expect(rebuilt.totalSamples).toBe(once.totalSamples);
    expect(files(history)).toEqual(files(fresh));
  });
});
