import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../helpers/cli.js';
import { sha256Hex } from '../../../src/util/hash.js';
import { makeTempDir } from '../../helpers/paths.js';
import { readAllSamples, type ReadSample } from '../shard/fixtures.js';

interface DemoSummary {
  site: { pages: number; photos: number };
  shard: { samplesWritten: number; trainShards: string; valShards: string; shardsDir: string; failed: Record<string, number> };
  train?: { steps: number; backend: string; runDir: string };
  eval?: { samples: number; chance: number; imageToText: Record<string, number>; textToImage: Record<string, number> };
}

describe('align-data demo', () => {
  const tmp = makeTempDir();
  const dir = join(tmp.dir, 'demo');
  let first: DemoSummary;
  let samples: ReadSample[];
  afterAll(() => tmp.cleanup());

  beforeAll(async () => {
    // A few seconds of training: enough to check the demo goes on into train and eval.
    const r = await runCli(['demo', '--data-dir', dir, '--json', '--train-seconds', '3']);
    if (r.code !== 0) throw new Error(`demo exited ${r.code}: ${r.stderr}`);
    first = JSON.parse(r.stdout) as DemoSummary;
    samples = await readAllSamples(first.shard.shardsDir);
  });

  test('crawls the site, filters the noise out and writes shards of captioned photos', async () => {
    expect(first.shard.samplesWritten).toBeGreaterThan(100);
    expect(samples).toHaveLength(first.shard.samplesWritten);
    expect(first.shard.trainShards).toMatch(/train-\{000000\.\.0000\d\d\}\.tar$/);
    expect(first.shard.valShards).toMatch(/val-\{000000\.\.0000\d\d\}\.tar$/);
    const noise = /^(Click here to read more|image|spacer|RSS feed|Email us|Search|Share this page|Advertisement: .*)$/;
    for (const s of samples) {
      expect(s.txt).not.toMatch(noise);
      expect(s.txt.split(' ').length).toBeGreaterThanOrEqual(3);
      expect(s.json.url).toMatch(/\/photos\/\d+(-small)?\.jpg$/);
      expect(String(s.json.page_url)).not.toMatch(/\/private\/|\/about\.html/);
    }
    // Every caption is about what the photo shows: a colour word at least.
    expect(samples.every((s) => /red|orange|yellow|green|blue|purple|pink|white|black|brown|grey/i.test(s.txt))).toBe(true);
    for (const s of samples.slice(0, 10)) {
      const m = await sharp(s.members.jpg!).metadata();
      expect(Math.min(m.width, m.height)).toBe(256);
    }
    expect(samples.some((s) => s.key.startsWith('val'))).toBe(true);
  });

  test('goes on into a short train and an eval on the held-out shards', () => {
    expect(first.train?.steps).toBeGreaterThan(0);
    const held = samples.filter((s) => s.key.startsWith('val')).length;
    expect(first.eval?.samples).toBe(held);
    expect(first.eval?.chance).toBeCloseTo(1 / held, 10);
    // Three seconds of training teach next to nothing: that the demo goes on into eval and reports
    // on every held-out sample is what is checked here; that training learns is learn.test.ts's.
    for (const direction of [first.eval!.imageToText, first.eval!.textToImage]) {
      expect(Object.keys(direction)).toEqual(['R@1', 'R@5', 'R@10', 'meanRank']);
    }
  });

  test('--train-seconds 0 stops after shard', async () => {
    const other = join(tmp.dir, 'no-train');
    const r = await runCli(['demo', '--data-dir', other, '--json', '--train-seconds', '0']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as DemoSummary;
    expect(summary.train).toBeUndefined();
    expect(summary.shard.samplesWritten).toBe(first.shard.samplesWritten);
  });

  test('a second run starts afresh and gives the same samples (images, captions, keys)', async () => {
    const r = await runCli(['demo', '--data-dir', dir, '--json', '--train-seconds', '0']);
    expect(r.code).toBe(0);
    const again = await readAllSamples((JSON.parse(r.stdout) as DemoSummary).shard.shardsDir);
    const digest = (xs: ReadSample[]): string[] => xs.map((s) => `${s.key} ${s.txt} ${sha256Hex(s.members.jpg!)}`);
    expect(digest(again)).toEqual(digest(samples));
  });

  test('refuses a non-empty directory it did not make', async () => {
    const other = join(tmp.dir, 'mine');
    mkdirSync(other);
    writeFileSync(join(other, 'precious.txt'), 'keep me');
    const r = await runCli(['demo', '--data-dir', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not made by `align-data demo`');
  });
});
