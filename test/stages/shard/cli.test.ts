import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { addFixturePairs } from './fixture-store.js';
import { awkwardImagesFixture } from './fixtures.js';

describe('align-data shard', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  test('prints the brace pattern; --json prints the summary; a rerun writes nothing new', async () => {
    await addFixturePairs(tmp.dir, awkwardImagesFixture().slice(0, 5));
    const r = await runCli(['shard', '--data-dir', tmp.dir, '--val-fraction', '0', '--samples-per-shard', '2']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${tmp.dir}/shards/train-{000000..000002}.tar`);
    const again = await runCli(['shard', '--data-dir', tmp.dir, '--val-fraction', '0', '--json']);
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ queued: 0, samplesWritten: 0, totalSamples: 5, totalShards: 3, valShards: null });
  });

  test('a bad flag value exits 2 before any work', async () => {
    const r = await runCli(['shard', '--data-dir', tmp.dir, '--resize-mode', 'stretch']);
    expect(r.code).toBe(2);
    const q = await runCli(['shard', '--data-dir', tmp.dir, '--jpeg-quality', '0']);
    expect(q.code).toBe(2);
    expect(q.stderr).toContain('shard.jpegQuality');
  });

  test('other sample options without --rebuild exit 2 with a hint; with --rebuild they rewrite', async () => {
    const r = await runCli(['shard', '--data-dir', tmp.dir, '--val-fraction', '0', '--image-size', '128']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hint: run `align-data shard --rebuild`');
    const ok = await runCli(['shard', '--data-dir', tmp.dir, '--val-fraction', '0', '--image-size', '128', '--rebuild', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ samplesWritten: 5, totalSamples: 5 });
  });

  test('--encoder: auto is the native encoder where it was built; native where it cannot load exits 2 before any work', async () => {
    const dir = join(tmp.dir, 'encoders');
    await addFixturePairs(dir, awkwardImagesFixture().slice(0, 2));
    const saved = process.env.ALIGN_DATA_NATIVE_ENCODER;
    try {
      process.env.ALIGN_DATA_NATIVE_ENCODER = join(tmp.dir, 'no-such-addon.node');
      const r = await runCli(['shard', '--data-dir', dir, '--encoder', 'native']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('error E_CONFIG: shard.encoder is native, but the native encoder cannot be used');
      expect(r.stderr).toContain('no-such-addon.node was not built');
      expect(existsSync(join(dir, 'shards'))).toBe(false);
      const fallback = await runCli(['shard', '--data-dir', dir, '--json']);
      expect(fallback.code).toBe(0);
      expect(JSON.parse(fallback.stdout)).toMatchObject({ encoder: 'sharp', samplesWritten: 2 });
    } finally {
      if (saved === undefined) delete process.env.ALIGN_DATA_NATIVE_ENCODER;
      else process.env.ALIGN_DATA_NATIVE_ENCODER = saved;
    }
    const native = await runCli(['shard', '--data-dir', dir, '--rebuild', '--json']);
    expect(JSON.parse(native.stdout)).toMatchObject({ encoder: 'native', samplesWritten: 2 });
    const viaSharp = await runCli(['shard', '--data-dir', dir, '--rebuild', '--encoder', 'sharp', '--json']);
    expect(JSON.parse(viaSharp.stdout)).toMatchObject({ encoder: 'sharp', samplesWritten: 2 });
    expect((await runCli(['shard', '--data-dir', dir, '--encoder', 'jpegli'])).code).toBe(2);
  });
});
