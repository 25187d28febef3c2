/**
 * A model config that cannot be built stops before any work: exit 2 naming the field, no run
 * folder, no vocab.txt, no backend loaded. The shards are real and readable, so only the config
 * can stop the run.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../helpers/paths.js';
import { runCli } from '../../helpers/cli.js';
import { writeTinyShards } from './fixtures.js';

describe('train: constraints between model options', () => {
  const tmp = makeTempDir();
  let shards: string;

  beforeAll(async () => {
    shards = (await writeTinyShards(join(tmp.dir, 'shards'))).train;
  });
  afterAll(() => tmp.cleanup());

  async function trainWith(name: string, model: Record<string, unknown>): Promise<{ code: number; stderr: string; out: string }> {
    const config = join(tmp.dir, `${name}.json`);
    const out = join(tmp.dir, 'runs', name);
    writeFileSync(config, JSON.stringify({ train: { backend: 'wasm', steps: 1, batchSize: 8, model } }));
    const r = await runCli(['train', '--config', config, '--shards', shards, '--out', out, '--data-dir', tmp.dir]);
    return { code: r.code, stderr: r.stderr, out };
  }

  test.each([
    ['heads-given', { preset: 'tiny', resolution: 32, textHidden: 32, textLayers: 1, textHeads: 3 }, 'train.model.textHeads', '3'],
    // Only textHidden is set: the preset's heads (tiny: 2) must divide it, so the field to fix is textHidden.
    ['hidden-given', { preset: 'tiny', resolution: 32, textHidden: 33, textLayers: 1 }, 'train.model.textHidden', '33'],
  ])('%s: exit 2 naming the field, and nothing written', async (name, model, field, got) => {
    const r = await trainWith(name, model);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error E_CONFIG');
    expect(r.stderr).toContain(`\`${field}\``);
    expect(r.stderr).toContain(`got \`${got}\``);
    expect(r.stderr).not.toContain('this is a bug');
    expect(r.stderr).not.toMatch(/backend/i);
    expect(existsSync(r.out)).toBe(false);
    expect(existsSync(join(r.out, 'vocab.txt'))).toBe(false);
  });

  test('a model whose heads divide the hidden size passes validation', async () => {
    // The same run with a valid head count gets past the config (and trains its one step).
    const r = await trainWith('valid', { preset: 'tiny', resolution: 32, textHidden: 33, textLayers: 1, textHeads: 3 });
    expect(r.stderr).not.toContain('E_CONFIG');
    expect(r.code).toBe(0);
    expect(existsSync(join(r.out, 'vocab.txt'))).toBe(true);
  });
});
