/**
 * The image-size gate against the shard options: on a real data dir (the demo crawled, filtered
 * and sharded), the shards whose recorded options hash matches the config's are judged by their
 * resize options; the others are counted as unknown, never failed.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { editTar, makeDemoDataDir, readMembers } from './tar-tools.js';

interface Gate {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  offenders: string[];
  offenderCount: number;
  figures: Record<string, number>;
}
interface Summary {
  failed: string[];
  shards: number;
  samples: number;
  gates: Gate[];
}

const tmp = makeTempDir('align-check-options-');
const clean = join(tmp.dir, 'clean');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await makeDemoDataDir(clean);
}, 120_000);

/** A config file with these shard options. The demo shards with valFraction 0.1 (src/flows/demo.ts): the options hash covers it. */
function shardConfig(name: string, shard: Record<string, unknown>): string {
  const path = join(tmp.dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ shard: { valFraction: 0.1, ...shard } }));
  return path;
}

async function check(dir: string, config?: string): Promise<{ code: number; summary: Summary; imageSize: Gate }> {
  const r = await runCli(['check', '--data-dir', dir, ...(config ? ['--config', config] : []), '--json', '--quiet']);
  const summary = JSON.parse(r.stdout) as Summary;
  return { code: r.code, summary, imageSize: summary.gates.find((g) => g.name === 'image-size')! };
}

describe('check image-size against the shard options', () => {
  test("a clean data dir checked with its own shard options: every shard and image judged, all pass", async () => {
    const r = await check(clean, shardConfig('same', {}));
    expect(r.code).toBe(0);
    expect(r.summary.shards).toBeGreaterThan(1);
    expect(r.imageSize.status).toBe('pass');
    expect(r.imageSize.figures).toMatchObject({ optionsShards: r.summary.shards, optionsUnknown: 0, optionsChecked: r.summary.samples });
  });

  test('a config with another imageSize or the defaults (another val fraction): every shard "options unknown", no failure', async () => {
    for (const config of [shardConfig('other-size', { imageSize: 128 }), undefined]) {
      const r = await check(clean, config);
      expect(r.code).toBe(0);
      expect(r.imageSize.status).toBe('pass');
      expect(r.imageSize.figures).toMatchObject({ optionsShards: 0, optionsUnknown: r.summary.shards, optionsChecked: 0 });
    }
  });

  test('an image stored at the wrong size (its .json, the store and the manifest agreeing with it) fails image-size with shard:key', async () => {
    const dir = join(tmp.dir, 'wrong-size');
    cpSync(clean, dir, { recursive: true });
    const shard = join(dir, 'shards', 'train-000000.tar');
    const members = await readMembers(shard);
    const key = members.find((m) => m.name.endsWith('.jpg'))!.name.replace(/\.jpg$/, '');
    // Shrunk to a shorter side of 200: the default options (shorter-side 256, upscaling) never give that.
    const image = await sharp(members.find((m) => m.name === `${key}.jpg`)!.data).resize({ width: 200, height: 200, fit: 'outside' }).jpeg().toBuffer();
    const { width, height } = await sharp(image).metadata();
    expect(Math.min(width, height)).toBe(200);
    await editTar(shard, (ms) => ms.map((m) => {
      if (m.name === `${key}.jpg`) return { ...m, data: image };
      if (m.name !== `${key}.json`) return m;
      return { ...m, data: Buffer.from(JSON.stringify({ ...JSON.parse(m.data.toString('utf8')), width, height })) };
    }));
    const db = new Database(join(dir, 'align.db'));
    db.prepare('UPDATE shard_samples SET width = ?, height = ? WHERE key = ?').run(width, height, key);
    db.close();
    fixManifest(join(dir, 'shards', 'manifest.json'), shard);

    const r = await check(dir, shardConfig('same-again', {}));
    expect(r.code).toBe(3);
    expect(r.summary.failed).toEqual(['image-size']);
    expect(r.imageSize.offenderCount).toBe(1);
    expect(r.imageSize.offenders[0]).toBe(`train-000000.tar:${key} (${width}×${height}, the shard options say shorter side 256 (shorter-side))`);
    // Where the options are not known, the same dir passes: only the options could catch it.
    const unknown = await check(dir, shardConfig('other-size-again', { imageSize: 128 }));
    expect(unknown.code).toBe(0);
    expect(unknown.imageSize.figures.optionsUnknown).toBe(unknown.summary.shards);
  });
});

/** Puts the rewritten tar's size and sha256 in the manifest, so only the image-size gate sees the change. */
function fixManifest(path: string, shard: string): void {
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { shardlist: { url: string; filesize: number; sha256?: string }[] };
  const bytes = readFileSync(shard);
  const entry = manifest.shardlist.find((e) => e.url === 'train-000000.tar')!;
  entry.filesize = bytes.length;
  if (entry.sha256 !== undefined) entry.sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(path, JSON.stringify(manifest));
}
