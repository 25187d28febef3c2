import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { AlignError } from '../../../src/errors.js';
import { runShard, shardsDir, type ShardSummary } from '../../../src/stages/shard/index.js';
import { openStore } from '../../../src/store/db.js';
import { sha256Hex } from '../../../src/util/hash.js';
import { makeContext } from '../../../src/util/context.js';
import { makeTempDir } from '../../helpers/paths.js';
import { addFixturePairs, type FixtureRow } from './fixture-store.js';
import { awkwardImagesFixture, corpusImage, jpegInfo, readAllSamples, shardConfig, type ReadSample } from './fixtures.js';
import { readTar } from './read-shard.js';

describe('shard: awkward real images', () => {
  const tmp = makeTempDir();
  let rows: FixtureRow[];
  let summary: ShardSummary;
  let samples: ReadSample[];
  afterAll(() => tmp.cleanup());

  beforeAll(async () => {
    rows = await addFixturePairs(tmp.dir, awkwardImagesFixture());
    summary = await runShard(shardConfig(), makeContext(tmp.dir));
    samples = await readAllSamples(shardsDir(tmp.dir));
  });

  test('every decodable kept pair becomes one complete sample; keys are unique and dot-free', () => {
    expect(summary.samplesWritten).toBe(12);
    expect(samples).toHaveLength(12);
    for (const s of samples) {
      expect(Object.keys(s.members).sort()).toEqual(['jpg', 'json', 'txt']);
      expect(s.key).toMatch(/^[^.]+$/);
      expect(s.json.key).toBe(s.key);
    }
    expect(new Set(samples.map((s) => s.key)).size).toBe(samples.length);
  });

  test('.txt and .json agree with the store', () => {
    for (const s of samples) {
      const row = rows.find((r) => r.sha256 === s.json.sha256 && r.alt === s.txt);
      expect(row).toBeDefined();
      expect(s.json).toMatchObject({
        url: row!.imageUrl,
        page_url: row!.pageUrl,
        alt: row!.alt,
        alt_raw: row!.altRaw,
        original_width: row!.width,
        original_height: row!.height,
      });
    }
    // The UTF-8 alt and the normalised white space made it through.
    expect(samples.map((s) => s.txt)).toContain('Ünïcode café ☕ concert in black and white');
    expect(samples.map((s) => s.txt)).toContain('Grandfather with a pram and a dog');
    // The store records which pair went into which shard under which key.
    const db = openStore(tmp.dir);
    const recorded = db
      .prepare('SELECT s.pair_id AS pairId, s.key, h.name FROM shard_samples s JOIN shards h ON h.id = s.shard_id')
      .all() as { pairId: number; key: string; name: string }[];
    db.close();
    expect(recorded).toHaveLength(12);
    for (const r of recorded) {
      const s = samples.find((x) => x.key === r.key)!;
      expect(s.shard).toBe(r.name);
      const row = rows.find((x) => x.pairId === r.pairId)!;
      expect([s.json.sha256, s.txt]).toEqual([row.sha256, row.alt]);
    }
  });

  test('each .jpg is an 8-bit sRGB JPEG whose shorter side is 256, aspect kept, EXIF applied', async () => {
    for (const s of samples) {
      const meta = await jpegInfo(s.members.jpg!);
      expect([meta.format, meta.channels, meta.depth, meta.space]).toEqual(['jpeg', 3, 'uchar', 'srgb']);
      expect([meta.width, meta.height]).toEqual([s.json.width, s.json.height]);
      expect(Math.min(meta.width, meta.height)).toBe(256);
      const ow = s.json.original_width as number;
      const oh = s.json.original_height as number;
      const long = Math.round((Math.max(ow, oh) * 256) / Math.min(ow, oh));
      expect(Math.abs(Math.max(meta.width, meta.height) - long)).toBeLessThanOrEqual(1);
      expect(meta.width > meta.height).toBe(ow > oh); // Landscape_5 is stored portrait, shown landscape
    }
  });

  test('alpha is flattened on white, 16-bit and CMYK keep their colours, animations give their first frame', async () => {
    const byAlt = (alt: string): Buffer => samples.find((s) => s.txt === alt)!.members.jpg!;
    const clear = await sharp(byAlt('A fully transparent square')).stats();
    for (const c of clear.channels) expect(c.min).toBeGreaterThanOrEqual(250);
    // The flag: red top third, white middle, blue bottom (a 16-bit image read as 8-bit would be wrong).
    const { data, info } = await sharp(byAlt('The flag of the Netherlands, 16 bits')).raw().toBuffer({ resolveWithObject: true });
    const px = (y: number): number[] => [...data.subarray(y * info.width * 3 + 30, y * info.width * 3 + 33)];
    const [red, white, blue] = [px(40), px(128), px(215)];
    expect(red[0]! - red[2]!).toBeGreaterThan(100);
    expect(Math.min(...white)).toBeGreaterThan(230);
    expect(blue[2]! - blue[0]!).toBeGreaterThan(60);
    // CMYK: close to what sharp makes of the same file as sRGB at the same size.
    const cmyk = await sharp(byAlt('A family walking in a park (CMYK)')).stats();
    // (stats() of a pipeline reads its input: encode the reference first.)
    const ref = await sharp(await sharp(corpusImage('Channel_digital_image_CMYK_color.jpg')).resize({ height: 256 }).toColourspace('srgb').png().toBuffer()).stats();
    cmyk.channels.forEach((c, i) => expect(Math.abs(c.mean - ref.channels[i]!.mean)).toBeLessThan(4));
    const first = await sharp(await sharp(corpusImage('animated-loop-3.gif'), { pages: 1 }).resize({ height: 256 }).flatten({ background: '#fff' }).png().toBuffer()).stats();
    const anim = await sharp(byAlt('The golden ratio formula, animated')).stats();
    anim.channels.forEach((c, i) => expect(Math.abs(c.mean - first.channels[i]!.mean)).toBeLessThan(4));
  });

  test('broken and missing images are skipped and recorded with their reason; rejected pairs are not written', () => {
    expect(summary.failed).toEqual({ decode_failed: 2, missing_file: 1 });
    const db = openStore(tmp.dir);
    const failures = db.prepare('SELECT pair_id AS pairId, reason FROM shard_failures ORDER BY pair_id').all() as { pairId: number; reason: string }[];
    db.close();
    const altOf = (id: number): string => rows.find((r) => r.pairId === id)!.alt;
    expect(failures.map((f) => [altOf(f.pairId), f.reason])).toEqual([
      ['A JPEG cut short', 'decode_failed'],
      ['A JPEG with a corrupt header', 'decode_failed'],
      ['An image whose file is missing', 'missing_file'],
    ]);
    const written = new Set(samples.map((s) => s.txt));
    for (const alt of ['A JPEG cut short', 'A JPEG with a corrupt header', 'An image whose file is missing', 'rejected by the filter']) {
      expect(written.has(alt)).toBe(false);
    }
  });

  test('shards close at N samples; sizes.json and the manifests match the files; no .partial is left', async () => {
    const dir = shardsDir(tmp.dir);
    const sizes = JSON.parse(readFileSync(join(dir, 'sizes.json'), 'utf8')) as Record<string, number>;
    const tars = readdirSync(dir).filter((n) => n.endsWith('.tar')).sort();
    expect(Object.keys(sizes).sort()).toEqual(tars);
    expect(readdirSync(dir).filter((n) => n.includes('.partial'))).toEqual([]);
    for (const name of tars) {
      const entries = await readTar(join(dir, name));
      expect(sizes[name]).toBe(entries.length / 3);
      expect(sizes[name]).toBeLessThanOrEqual(5);
    }
    for (const file of ['manifest.json', 'val-manifest.json']) {
      const m = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { shardlist: { url: string; nsamples: number; filesize: number; sha256: string }[] };
      for (const s of m.shardlist) {
        const bytes = readFileSync(join(dir, s.url));
        expect([s.filesize, s.sha256, s.nsamples]).toEqual([statSync(join(dir, s.url)).size, sha256Hex(bytes), sizes[s.url]]);
      }
    }
    const trainCount = tars.filter((n) => n.startsWith('train-')).length;
    expect(summary.trainShards).toBe(join(dir, `train-{000000..${String(trainCount - 1).padStart(6, '0')}}.tar`));
  });
});

describe('shard: resize modes and limits', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  const pick = (): ReturnType<typeof awkwardImagesFixture> => awkwardImagesFixture().filter((p) => /Landscape_5|concert|4\.webp/.test(String(p.image)));

  async function shardWith(name: string, overrides: Parameters<typeof shardConfig>[0]): Promise<ReadSample[]> {
    const dir = join(tmp.dir, name);
    await addFixturePairs(dir, pick());
    await runShard(shardConfig({ valFraction: 0, ...overrides }), makeContext(dir));
    return readAllSamples(shardsDir(dir));
  }

  test('center-crop gives S×S; none keeps the displayed size; resizeOnlyIfBigger never enlarges', async () => {
    const crop = await shardWith('crop', { resizeMode: 'center-crop', imageSize: 224 });
    expect(crop.map((s) => [s.json.width, s.json.height])).toEqual([[224, 224], [224, 224], [224, 224]]);
    const none = await shardWith('none', { resizeMode: 'none' });
    for (const s of none) expect([s.json.width, s.json.height]).toEqual([s.json.original_width, s.json.original_height]);
    const shrink = await shardWith('shrink', { imageSize: 400, resizeOnlyIfBigger: true });
    for (const s of shrink) {
      const short = Math.min(s.json.original_width as number, s.json.original_height as number);
      expect(Math.min(s.json.width, s.json.height)).toBe(Math.min(short, 400));
    }
  });

  test('a shard closes before it would pass maxShardBytes', async () => {
    const dir = join(tmp.dir, 'bytes');
    await addFixturePairs(dir, awkwardImagesFixture().slice(0, 12));
    const summary = await runShard(shardConfig({ valFraction: 0, samplesPerShard: 100, maxShardBytes: 80_000 }), makeContext(dir));
    expect(summary.shardsWritten).toBeGreaterThan(2);
    const manifest = JSON.parse(readFileSync(join(shardsDir(dir), 'manifest.json'), 'utf8')) as { shardlist: { filesize: number; nsamples: number }[] };
    for (const s of manifest.shardlist) if (s.nsamples > 1) expect(s.filesize).toBeLessThanOrEqual(80_000);
  });

  test('no decisions is E_NO_DATA; other sample options without --rebuild is E_CONFIG', async () => {
    const empty = join(tmp.dir, 'empty');
    await expect(runShard(shardConfig(), makeContext(empty))).rejects.toMatchObject({ code: 'E_NO_DATA' });
    const dir = join(tmp.dir, 'crop');
    const err = await runShard(shardConfig({ valFraction: 0, imageSize: 128 }), makeContext(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlignError);
    expect((err as AlignError).code).toBe('E_CONFIG');
    expect((err as AlignError).hint).toContain('--rebuild');
  });
});
