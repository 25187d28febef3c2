import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { type Member, writeMembers } from './tar-tools.js';

interface Summary {
  passed: boolean;
  failed: string[];
  samples: number;
  shards: number;
  gates: { name: string; status: string; offenders: string[] }[];
}

/** One image of each format other tools write, as img2dataset lays samples out (`.jpg|.png|.webp`, `.txt`, `.json`, extra members). */
async function sample(key: string, format: 'jpg' | 'png' | 'webp', i: number, size = { width: 48 + i, height: 32 }): Promise<Member[]> {
  const image = sharp({ create: { width: 48 + i, height: 32, channels: 3, background: { r: 40 * i, g: 200 - 30 * i, b: 90 } } });
  const data = await (format === 'jpg' ? image.jpeg() : format === 'png' ? image.png() : image.webp()).toBuffer();
  return [
    { name: `${key}.${format}`, data },
    { name: `${key}.txt`, data: Buffer.from(`a coloured rectangle number ${i}`) },
    { name: `${key}.json`, data: Buffer.from(JSON.stringify({ key, caption: `a coloured rectangle number ${i}`, status: 'success', ...size })) },
    { name: `${key}.cls`, data: Buffer.from(String(i % 2)) },
  ];
}

describe('check on shards another tool made', () => {
  const tmp = makeTempDir('align-check-other-');
  afterAll(() => tmp.cleanup());
  const dir = join(tmp.dir, 'dataset');

  beforeAll(async () => {
    mkdirSync(dir);
    const formats = ['jpg', 'png', 'webp'] as const;
    for (const shard of [0, 1]) {
      const members: Member[] = [];
      for (let i = 0; i < 3; i++) members.push(...(await sample(`${shard}000${i}`, formats[i]!, shard * 3 + i)));
      await writeMembers(join(dir, `shards-0000${shard}.tar`), members);
    }
  });

  test('tar-stream shards of jpg, png and webp samples pass, by folder and by brace pattern', async () => {
    for (const spec of [dir, join(dir, 'shards-{00000..00001}.tar')]) {
      const r = await runCli(['check', '--shards', spec, '--data-dir', tmp.dir, '--json', '--quiet']);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as Summary;
      expect(s).toMatchObject({ passed: true, samples: 6, shards: 2 });
      const status = Object.fromEntries(s.gates.map((g) => [g.name, g.status]));
      expect(status).toMatchObject({ 'images-decode': 'pass', 'image-size': 'pass', 'keys-unique': 'pass', 'sizes-json': 'skip', manifest: 'skip', consent: 'skip' });
    }
  });

  test('an image that does not measure what its .json says fails image-size', async () => {
    const other = join(tmp.dir, 'wrong-size');
    mkdirSync(other);
    await writeMembers(join(other, 'part-0.tar'), await sample('k0', 'png', 1, { width: 10, height: 10 }));
    const r = await runCli(['check', '--shards', other, '--data-dir', tmp.dir, '--json', '--quiet']);
    expect(r.code).toBe(3);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.failed).toEqual(['image-size']);
    expect(s.gates.find((g) => g.name === 'image-size')!.offenders).toEqual(['part-0.tar:k0 (49×32, json says 10×10)']);
  });
});
