import { readFileSync, truncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { BatchStream } from '../../../src/stages/train/batches.js';
import { decodeImage } from '../../../src/stages/train/decode.js';
import { Rng } from '../../../src/util/rng.js';
import { expandBraces, listShards } from '../../../src/webdataset/shard-list.js';
import { emptyCounts, readShard, shuffleThrough, splitKey, streamSamples, type RawSample } from '../../../src/webdataset/reader.js';
import { WordPieceTokenizer } from '../../../src/stages/train/tokenizer.js';
import type { SampleMembers, WdsSample } from '../../../src/webdataset/split-writer.js';
import { type WrittenSplit, writeShards } from '../../../src/webdataset/write-shards.js';
import { AlignError } from '../../../src/errors.js';
import { corpusDir, corpusManifest, makeTempDir } from '../../helpers/paths.js';

async function solidJpeg(r: number, g: number, b: number, width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();
}

async function sample(i: number, caption = `sample ${i}`): Promise<WdsSample> {
  return { key: `s${String(i).padStart(4, '0')}`, members: { jpg: await solidJpeg(10 * i, 100, 200), txt: caption, json: JSON.stringify({ i }) } };
}

/** The path of the first train shard written. */
function firstShard(written: { train: WrittenSplit | null }): string {
  return join(dirname(written.train!.pattern), written.train!.shards[0]!.name);
}

async function collect(gen: AsyncIterable<RawSample>): Promise<RawSample[]> {
  const out: RawSample[] = [];
  for await (const s of gen) out.push(s);
  return out;
}

describe('shard lists', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  test('brace ranges keep zero padding; lists expand; several braces multiply', () => {
    expect(expandBraces('d/train-{000000..000003}.tar')).toEqual(['d/train-000000.tar', 'd/train-000001.tar', 'd/train-000002.tar', 'd/train-000003.tar']);
    expect(expandBraces('{a,b}-{1..2}.tar')).toEqual(['a-1.tar', 'a-2.tar', 'b-1.tar', 'b-2.tar']);
    expect(expandBraces('plain.tar')).toEqual(['plain.tar']);
  });

  test('a pattern, a folder and sizes.json', async () => {
    const dir = join(tmp.dir, 'list');
    const samples = await Promise.all([0, 1, 2, 3, 4].map((i) => sample(i)));
    const train = writeShards(dir, { train: samples, val: samples.slice(0, 1) }, { samplesPerShard: 2 }).train!;
    const listed = listShards(train.pattern);
    expect(listed.map((s) => s.samples)).toEqual([2, 2, 1]);
    expect(train.pattern).toMatch(/train-\{000000\.\.000002\}\.tar$/);
    // A folder with train- and val- shards trains on train- only.
    expect(listShards(dir).map((s) => s.path)).toEqual(listed.map((s) => s.path));
    // …and eval, given the same folder, scores the held-out val- shards.
    expect(listShards(dir, undefined, 'val').map((s) => s.path)).toEqual([join(dir, 'val-000000.tar')]);
    expect(listShards(`${dir}/val-000000.tar::${dir}/train-000002.tar`).map((s) => s.samples)).toEqual([1, 1]);
  });

  test('a pattern naming missing shards stops before any work', () => {
    expect(() => listShards(join(tmp.dir, 'nope-{000000..000001}.tar'))).toThrow(AlignError);
    expect(() => listShards(join(tmp.dir, 'empty-dir-that-is-missing'))).toThrow(/do not exist/);
  });
});

describe('reading samples', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  test('members group by key up to the first dot of the basename', () => {
    expect(splitKey('a/b.c/000001_0042.seg.jpg')).toEqual(['a/b.c/000001_0042', 'seg.jpg']);
    expect(splitKey('k.txt')).toEqual(['k', 'txt']);
  });

  test('a corrupt image and a sample without a caption are skipped and counted; reading goes on', async () => {
    const good = await Promise.all([0, 1, 2, 3].map((i) => sample(i)));
    const corrupt: WdsSample = { key: 'corrupt', members: { jpg: Buffer.from('this is not a jpeg at all'), txt: 'a broken image' } };
    const noCaption: WdsSample = { key: 'nocaption', members: { jpg: await solidJpeg(1, 2, 3) } };
    const written = writeShards(join(tmp.dir, 'bad'), { train: [good[0]!, corrupt, good[1]!, noCaption, good[2]!, good[3]!] }, { samplesPerShard: 10 });
    const counts = emptyCounts();
    const tokenizer = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'sample']);
    const stream = new BatchStream(streamSamples([firstShard(written)], counts), { batchSize: 2, resolution: 16, tokenizer, maxTokens: 8, counts, keepPartial: true });
    const sizes: number[] = [];
    for (let b = await stream.next(); b; b = await stream.next()) {
      sizes.push(b.size);
      expect(b.images.length).toBe(b.size * 16 * 16 * 3);
      expect(Math.max(...b.images)).toBeLessThanOrEqual(1);
      expect(Math.min(...b.images)).toBeGreaterThanOrEqual(-1);
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(4);
    expect(counts).toEqual({ samples: 5, incomplete: 1, corrupt: 1, brokenShards: 0 });
  });

  test('a truncated shard keeps the samples before the damage and is counted', async () => {
    const samples = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => sample(i)));
    const path = firstShard(writeShards(join(tmp.dir, 'cut'), { train: samples }, { samplesPerShard: 10 }));
    // Cut the tar in the middle of a member, as a disk-full or a killed copy would.
    truncateSync(path, Math.floor(readFileSync(path).length * 0.6) - 100);
    const counts = emptyCounts();
    const read = await collect(readShard(path, counts));
    expect(read.length).toBeGreaterThan(0);
    expect(read.length).toBeLessThan(6);
    expect(read.map((s) => s.caption)).toEqual(samples.slice(0, read.length).map((s) => (s.members as SampleMembers).txt));
    expect(counts.brokenShards).toBe(1);
  });

  test('the shuffle buffer emits a seeded permutation of its input', async () => {
    async function* numbers(): AsyncGenerator<number> {
      for (let i = 0; i < 50; i++) yield i;
    }
    const a: number[] = [];
    for await (const x of shuffleThrough(numbers(), 10, new Rng(3))) a.push(x);
    const b: number[] = [];
    for await (const x of shuffleThrough(numbers(), 10, new Rng(3))) b.push(x);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).toEqual(b);
  });

  test('eval decodes a centre crop; training a random crop of at least cropMinScale, sometimes flipped', async () => {
    // Left half black, right half white, 60×20: a centre crop sees both halves.
    const half = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#000' } })
      .extend({ right: 30, background: '#fff' })
      .png()
      .toBuffer();
    const centre = (await decodeImage(half, 8))!;
    expect(centre.length).toBe(8 * 8 * 3);
    expect(centre[0]).toBeLessThan(30);
    expect(centre[(8 - 1) * 3]).toBeGreaterThan(225);
    const flipped = (await decodeImage(half, 8, { scale: 1, x: 0.5, y: 0, flip: true }))!;
    expect(flipped[0]).toBeGreaterThan(225);
    const leftCrop = (await decodeImage(half, 8, { scale: 1, x: 0, y: 0, flip: false }))!;
    expect(Math.max(...leftCrop)).toBeLessThan(30);
    expect(await decodeImage(Buffer.from('garbage'), 8)).toBeNull();
  });

  test('the real corpus images: every decodable one decodes to RGB, the broken ones are skipped and counted', async () => {
    const images = corpusManifest().filter((f) => f.kind === 'image');
    // vfile.v is libvips' own format, which sharp reads from a file but not from memory: in a
    // shard it is as unreadable as a corrupt image (the shard stage re-encodes to JPEG anyway).
    const readable = (f: (typeof images)[number]): boolean => f.expected!.decodable && !f.path.endsWith('.v');
    const samples = images.map((f, i) => ({ key: `c${String(i).padStart(3, '0')}`, members: { jpg: readFileSync(join(corpusDir(), f.path)), txt: f.path } }));
    const written = writeShards(join(tmp.dir, 'corpus'), { train: samples }, { samplesPerShard: 100 });
    const counts = emptyCounts();
    const tokenizer = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]']);
    const stream = new BatchStream(streamSamples([firstShard(written)], counts), {
      batchSize: 16,
      resolution: 24,
      tokenizer,
      maxTokens: 8,
      counts,
      augment: { rng: new Rng(1), cropMinScale: 0.8, flip: true },
      keepPartial: true,
    });
    const captions: string[] = [];
    for (let b = await stream.next(); b; b = await stream.next()) captions.push(...b.captions);
    expect(captions.sort()).toEqual(images.filter(readable).map((f) => f.path).sort());
    expect(counts.corrupt).toBe(images.filter((f) => !readable(f)).length);
    expect(counts.corrupt).toBeGreaterThanOrEqual(6);
  });
});
