import { appendFileSync, cpSync, mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { hammingDistance, perceptualHash } from '../../../src/util/phash.js';
import { editTar, makeDemoDataDir, readMembers } from './tar-tools.js';

interface Gate {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  offenders: string[];
  offenderCount: number;
  figures: Record<string, unknown>;
}
interface Summary {
  passed: boolean;
  failed: string[];
  samples: number;
  store: string | null;
  gates: Gate[];
}

const tmp = makeTempDir('align-check-');
const clean = join(tmp.dir, 'clean');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await makeDemoDataDir(clean);
}, 120_000);

/** A copy of the clean data dir to damage. */
function copyDataDir(name: string): string {
  const dir = join(tmp.dir, name);
  cpSync(clean, dir, { recursive: true });
  return dir;
}

async function check(args: string[]): Promise<{ code: number; summary: Summary; junit: string; stderr: string }> {
  const junitPath = join(tmp.dir, `junit-${Math.random().toString(36).slice(2)}.xml`);
  const r = await runCli(['check', ...args, '--junit', junitPath, '--json', '--quiet']);
  return { code: r.code, summary: JSON.parse(r.stdout) as Summary, junit: readFileSync(junitPath, 'utf8'), stderr: r.stderr };
}

const gateOf = (s: Summary, name: string): Gate => s.gates.find((g) => g.name === name)!;

/** The JUnit testcase of one gate, with its body. */
function testcase(junit: string, gate: string): string {
  const m = new RegExp(`<testcase [^>]*name="${gate}:[^"]*">[\\s\\S]*?</testcase>`).exec(junit);
  if (!m) throw new Error(`no testcase for ${gate} in\n${junit}`);
  return m[0];
}

const trainShard = (dir: string, n: number): string => join(dir, 'shards', `train-${String(n).padStart(6, '0')}.tar`);

describe('align-data check', () => {
  test('a clean data dir passes every gate: exit 0, a JUnit testcase per gate and no failure', async () => {
    const r = await check(['--data-dir', clean]);
    expect(r.code).toBe(0);
    expect(r.summary.passed).toBe(true);
    expect(r.summary.store).toContain('align.db');
    expect(r.summary.samples).toBeGreaterThan(20);
    const names = r.summary.gates.map((g) => g.name);
    expect(names).toEqual(expect.arrayContaining(['tar-complete', 'samples-complete', 'keys-unique', 'samples-unique', 'images-decode', 'image-size',
      'sizes-json', 'manifest', 'caption-words', 'min-samples', 'splits-disjoint', 'rejection-share', 'fetched-share', 'consent', 'eval-dedup']));
    // With a data dir nothing is skipped but the eval gate (no eval set given): every other gate had something to judge.
    expect(r.summary.gates.filter((g) => g.status !== 'pass').map((g) => g.name)).toEqual(['eval-dedup']);
    for (const name of names) expect(testcase(r.junit, name)).not.toContain('<failure');
    expect(r.junit).toContain(`tests="${names.length}" failures="0"`);
  });

  test('a truncated tar fails tar-complete, named in the JUnit output, exit 3', async () => {
    const dir = copyDataDir('truncated');
    const shard = trainShard(dir, 0);
    truncateSync(shard, Math.floor(statSync(shard).size / 2));
    const r = await check(['--data-dir', dir]);
    expect(r.code).toBe(3);
    expect(r.summary.failed).toContain('tar-complete');
    expect(testcase(r.junit, 'tar-complete')).toMatch(/<failure[^>]*>[\s\S]*train-000000\.tar/);
    // The tar now holds fewer samples than sizes.json says.
    expect(gateOf(r.summary, 'sizes-json').offenders.join()).toContain('train-000000.tar');
  });

  test('a sample without its caption fails samples-complete with its key', async () => {
    const dir = copyDataDir('no-caption');
    await editTar(trainShard(dir, 1), (ms) => ms.filter((m) => m.name !== '000001_0002.txt'));
    const r = await check(['--data-dir', dir]);
    expect(r.code).toBe(3);
    const g = gateOf(r.summary, 'samples-complete');
    expect(g.status).toBe('fail');
    expect(g.offenders).toEqual(['train-000001.tar:000001_0002 (no caption)']);
    expect(testcase(r.junit, 'samples-complete')).toContain('train-000001.tar:000001_0002 (no caption)');
  });

  test('an undecodable image fails images-decode; offenders list the first few and count them all', async () => {
    const dir = copyDataDir('undecodable');
    const broken = ['000000_0001', '000000_0004', '000000_0007'];
    await editTar(trainShard(dir, 0), (ms) =>
      ms.map((m) => (broken.some((k) => m.name === `${k}.jpg`) ? { name: m.name, data: m.data.subarray(0, 200) } : m)),
    );
    const config = join(dir, 'check.json');
    writeFileSync(config, JSON.stringify({ check: { offendersListed: 2 } }));
    const r = await check(['--data-dir', dir, '--config', config]);
    expect(r.code).toBe(3);
    const g = gateOf(r.summary, 'images-decode');
    expect(g.status).toBe('fail');
    expect(g.offenderCount).toBe(3);
    expect(g.offenders).toHaveLength(2);
    expect(g.offenders[0]).toMatch(/^train-000000\.tar:000000_0001 \(/);
    expect(testcase(r.junit, 'images-decode')).toContain('and 1 more (3 in all)');
  });

  test('a key repeated in another shard fails keys-unique, naming both shards', async () => {
    const dir = copyDataDir('duplicate-key');
    await editTar(trainShard(dir, 1), (ms) => ms.map((m) => ({ ...m, name: m.name.replace(/^000001_0001\./, '000000_0005.') })));
    const r = await check(['--data-dir', dir]);
    expect(r.code).toBe(3);
    const g = gateOf(r.summary, 'keys-unique');
    expect(g.offenderCount).toBe(1);
    expect(g.offenders[0]).toBe('train-000000.tar:000000_0005 = train-000001.tar:000000_0005 (2 copies)');
    expect(testcase(r.junit, 'keys-unique')).toContain('train-000001.tar:000000_0005');
  });

  test('a wrong sizes.json fails sizes-json, naming the shard', async () => {
    const dir = copyDataDir('wrong-sizes');
    const path = join(dir, 'shards', 'sizes.json');
    const sizes = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
    sizes['train-000001.tar'] = sizes['train-000001.tar']! + 1;
    writeFileSync(path, JSON.stringify(sizes));
    const r = await check(['--data-dir', dir]);
    expect(r.code).toBe(3);
    expect(r.summary.failed).toEqual(['sizes-json']);
    expect(testcase(r.junit, 'sizes-json')).toMatch(/train-000001\.tar \(sizes\.json says \d+, the tar holds \d+\)/);
  });

  test('a kept pair whose page opted out after the crawl fails consent', async () => {
    const dir = copyDataDir('opted-out');
    const db = new Database(join(dir, 'align.db'));
    const page = db
      .prepare('SELECT p.page_id FROM pairs p JOIN shard_samples s ON s.pair_id = p.id ORDER BY s.key LIMIT 1')
      .pluck()
      .get() as number;
    db.prepare(`UPDATE pages SET opt_out = 'noai' WHERE id = ?`).run(page);
    db.close();
    const r = await check(['--data-dir', dir]);
    expect(r.code).toBe(3);
    expect(r.summary.failed).toEqual(['consent']);
    const g = gateOf(r.summary, 'consent');
    expect(g.offenders[0]).toMatch(/^\d{6}_\d{4} \(page says noai: http:\/\/127\.0\.0\.1:\d+\//);
  });

  test('a blocklisted host in the config fails consent for every published pair', async () => {
    const config = join(tmp.dir, 'block.json');
    writeFileSync(config, JSON.stringify({ filter: { blocklist: { hosts: ['127.0.0.1'] } } }));
    const r = await check(['--data-dir', clean, '--config', config]);
    expect(r.code).toBe(3);
    const g = gateOf(r.summary, 'consent');
    expect(g.figures.blocklisted).toBe(r.summary.samples);
  });

  test('shards alone (no store): store gates are skipped, the rest judged; stricter thresholds fail', async () => {
    const shards = join(tmp.dir, 'shards-only');
    cpSync(join(clean, 'shards'), shards, { recursive: true });
    const r = await check(['--shards', shards, '--data-dir', join(tmp.dir, 'no-such-data-dir')]);
    expect(r.code).toBe(0);
    expect(r.summary.store).toBeNull();
    expect(gateOf(r.summary, 'consent').status).toBe('skip');
    expect(testcase(r.junit, 'consent')).toContain('<skipped');
    const config = join(tmp.dir, 'strict.json');
    writeFileSync(config, JSON.stringify({ check: { minSamples: 100000, minCaptionWords: 6 } }));
    const strict = await check(['--shards', join(shards, 'train-{000000..000001}.tar'), '--config', config]);
    expect(strict.code).toBe(3);
    expect(strict.summary.failed).toEqual(expect.arrayContaining(['min-samples', 'caption-words']));
    expect(gateOf(strict.summary, 'caption-words').offenders[0]).toMatch(/^train-00000[01]\.tar:\d{6}_\d{4} \([345] words\)$/);
  });

  test('a train image also in the val shards fails splits-disjoint', async () => {
    const dir = copyDataDir('split-leak');
    const val = readdirSync(join(dir, 'shards')).find((f) => f.startsWith('val-'))!;
    let leaked: Buffer | undefined;
    await editTar(join(dir, 'shards', val), (ms) => {
      leaked = ms.find((m) => m.name.endsWith('.jpg'))!.data;
      return ms;
    });
    await editTar(trainShard(dir, 0), (ms) => ms.map((m) => (m.name === '000000_0000.jpg' ? { ...m, data: leaked! } : m)));
    const r = await check(['--data-dir', dir]);
    expect(r.code).toBe(3);
    const g = gateOf(r.summary, 'splits-disjoint');
    expect(g.offenders[0]).toMatch(/train-000000\.tar:000000_0000/);
  });

  test('a shard image re-encoded into the eval set (as PNG) fails eval-dedup; unrelated eval images pass', async () => {
    const evalDir = join(tmp.dir, 'eval-set');
    mkdirSync(evalDir);
    // An unrelated picture: diagonal stripes, nothing like the demo's flat-coloured shapes.
    const stripes = Buffer.alloc(160 * 120 * 3);
    for (let i = 0; i < 160 * 120; i++) stripes.fill(((i % 160) + Math.floor(i / 160)) % 40 < 20 ? 230 : 30, i * 3, i * 3 + 3);
    await sharp(stripes, { raw: { width: 160, height: 120, channels: 3 } }).jpeg().toFile(join(evalDir, 'unrelated.jpg'));
    const config = join(tmp.dir, 'eval.json');
    writeFileSync(config, JSON.stringify({ check: { evalImages: [evalDir] } }));
    const before = await check(['--data-dir', clean, '--config', config]);
    expect(before.code).toBe(0);
    expect(gateOf(before.summary, 'eval-dedup')).toMatchObject({ status: 'pass', figures: { evalImages: 1 } });
    // A shard image saved as PNG into the eval set. The hash of a flat-coloured JPEG can move a few
    // bits when re-encoded, so take the first one that stays within the gate's 4 bits.
    let near: string | undefined;
    for (const m of (await readMembers(trainShard(clean, 0))).filter((x) => x.name.endsWith('.jpg'))) {
      const png = await sharp(m.data).png().toBuffer();
      if (hammingDistance(await perceptualHash(m.data), await perceptualHash(png)) > 2) continue;
      writeFileSync(join(evalDir, 'near.png'), png);
      near = m.name.replace('.jpg', '');
      break;
    }
    expect(near).toBeDefined();
    const r = await check(['--data-dir', clean, '--config', config]);
    expect(r.code).toBe(3);
    const g = gateOf(r.summary, 'eval-dedup');
    expect(g.figures.evalImages).toBe(2);
    expect(g.offenders).toContain(`train-000000.tar:${near}`);
    expect(testcase(r.junit, 'eval-dedup')).toContain(`train-000000.tar:${near}`);
  });

  test('bad usage exits 2: shards that do not exist, a bad threshold', async () => {
    const missing = await runCli(['check', '--shards', join(tmp.dir, 'nowhere-{000000..000001}.tar')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nowhere-000000\.tar/);
    const noShards = await runCli(['check', '--data-dir', join(tmp.dir, 'empty-data-dir')]);
    expect(noShards.code).toBe(2);
    const config = join(tmp.dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ check: { maxRejectedShare: 2 } }));
    const bad = await runCli(['check', '--data-dir', clean, '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('check.maxRejectedShare');
    writeFileSync(config, JSON.stringify({ check: { evalImages: [join(tmp.dir, 'no-eval-set')] } }));
    const noEval = await runCli(['check', '--data-dir', clean, '--config', config]);
    expect(noEval.code).toBe(2);
    expect(noEval.stderr).toContain('check.evalImages');
  });

  test('GITHUB_STEP_SUMMARY gets a Markdown table of the gates appended', async () => {
    const file = join(tmp.dir, 'step-summary.md');
    appendFileSync(file, 'before\n');
    process.env.GITHUB_STEP_SUMMARY = file;
    try {
      expect((await runCli(['check', '--data-dir', clean, '--quiet'])).code).toBe(0);
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
    }
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('before\n')).toBe(true);
    expect(text).toContain('| gate | result | what | figures / offenders |');
    expect(text).toMatch(/\| keys-unique \| ✅ pass \|/);
  });
});
