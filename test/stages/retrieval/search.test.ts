import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runIndex } from '../../../src/stages/retrieval/build-index.js';
import type { SearchHit } from '../../../src/stages/retrieval/search.js';
import { openRun } from '../../../src/stages/train/index.js';
import { writeShards } from '../../../src/webdataset/write-shards.js';
import { makeContext } from '../../../src/util/context.js';
import { runCli } from '../../helpers/cli.js';
import { makeTempDir } from '../../helpers/paths.js';
import { stoppingEncoder, BACKGROUNDS, STEPS, backgroundLabel, backgroundOf, trainSmallRun, type TrainedRun } from './trained-run.js';

type Hit = SearchHit;

describe('index, search and classify with a trained run', () => {
  const tmp = makeTempDir();
  let t: TrainedRun;
  const cli = (argv: string[]) => runCli([...argv, ...t.common]);

  beforeAll(async () => {
    t = await trainSmallRun(tmp.dir);
  }, 300_000);
  afterAll(() => tmp.cleanup());

  test('index embeds every sample once; a second run adds nothing', async () => {
    const first = await cli(['index', '--run', t.run, '--shards', t.shards, '--json']);
    expect(first.code).toBe(0);
    const s = JSON.parse(first.stdout);
    expect(s).toMatchObject({ shards: 3, shardsUnchanged: 0, added: 664, failed: 0, total: 664, index: join(t.run, 'index.sqlite') });
    expect(existsSync(join(t.run, 'index.sqlite'))).toBe(true);
    const again = JSON.parse((await cli(['index', '--run', t.run, '--shards', t.shards, '--json'])).stdout);
    expect(again).toMatchObject({ shardsUnchanged: 3, added: 0, total: 664 });
  });

  test('a killed index run resumes where it stopped; an image that does not decode is recorded, not retried', async () => {
    const run = await openRun(t.run, makeContext(tmp.dir), 'wasm');
    try {
      const controller = new AbortController();
      // The real encoder, with Ctrl-C pressed while it embeds batch 3.
      const stopping = stoppingEncoder(run, controller, 3);
      const path = join(tmp.dir, 'resume.sqlite');
      const options = { shards: t.shards, indexPath: path, batchSize: 50 };
      const first = await runIndex(stopping, options, makeContext(tmp.dir, { signal: controller.signal }));
      expect(first).toMatchObject({ added: 150, total: 150 });
      const second = await runIndex(run, options, makeContext(tmp.dir));
      expect(second).toMatchObject({ added: 664 - 150, total: 664, shardsUnchanged: 0 });

      const bad = writeShards(join(tmp.dir, 'bad'), {
        train: [
          { key: 'good', members: { jpg: t.valSamples[0]!.image, txt: 'a good one' } },
          { key: 'broken', members: { jpg: Buffer.from('not a jpeg'), txt: 'a broken one' } },
        ],
      });
      const badOptions = { shards: bad.train?.pattern as string, indexPath: join(tmp.dir, 'bad.sqlite') };
      expect(await runIndex(run, badOptions, makeContext(tmp.dir))).toMatchObject({ added: 1, failed: 1, total: 1 });
      expect(await runIndex(run, { ...badOptions, shards: join(tmp.dir, 'bad') }, makeContext(tmp.dir))).toMatchObject({ added: 0, failed: 0, total: 1 });
    } finally {
      run.dispose();
    }
  });

  test('a held-out caption finds its own image in the top 5 far more often than chance', async () => {
    const queries = join(tmp.dir, 'captions.txt');
    writeFileSync(queries, t.valSamples.map((s) => s.caption).join('\n') + '\n');
    const r = await cli(['search', '--run', t.run, '--queries', queries, '--k', '5', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { query: { text: string }; results: Hit[] });
    expect(lines).toHaveLength(64);
    expect(Object.keys(lines[0]!)).toEqual(['query', 'results']);
    expect(Object.keys(lines[0]!.results[0]!)).toEqual(['rank', 'key', 'score', 'caption', 'url', 'shard']);
    const found = lines.filter((l, i) => l.results.some((h) => h.key === t.valSamples[i]!.key)).length / lines.length;
    const chance = 5 / 664;
    expect(found).toBeGreaterThan(10 * chance);
  });

  // A model this small keeps images far closer to each other than to any text (the modality gap):
  // at ALIGN's w = 2 the image still dominates, so the test composes with w = 8. One colour alone is
  // a coin toss for so small a model, so the counts add up over every background colour.
  test('image + text moves the results toward the text; image − text away from it', async () => {
    const backgroundOfKey = new Map(t.samples.map((s) => [s.key, s.background]));
    const share = (colour: string): number => t.samples.filter((s) => s.background === colour).length / t.samples.length;
    // Per colour: three held-out images of another background (to move toward it) and two of it (to move away).
    const toward = BACKGROUNDS.flatMap((colour) => t.valSamples.filter((s) => backgroundLabel(s) !== colour).slice(0, 3).map((s) => ({ s, colour })));
    const away = BACKGROUNDS.flatMap((colour) => t.valSamples.filter((s) => backgroundLabel(s) === colour).slice(0, 2).map((s) => ({ s, colour })));
    expect(away.length).toBeGreaterThan(15);
    const file = (s: { key: string; image: Buffer }): string => {
      const path = join(tmp.dir, `query-${s.key}.jpg`);
      writeFileSync(path, s.image);
      return path;
    };
    // One model load per kind of query: JSON lines, one per image; counts the top 10 with the colour's background.
    const count = async (queries: { s: { key: string; image: Buffer }; colour: string }[], extra: (colour: string) => Record<string, string>): Promise<number> => {
      const path = join(tmp.dir, 'image-queries.jsonl');
      writeFileSync(path, queries.map(({ s, colour }) => JSON.stringify({ image: file(s), ...extra(colour) })).join('\n'));
      const r = await cli(['search', '--run', t.run, '--queries', path, '--k', '10', '--text-weight', '8', '--json']);
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l).results as Hit[]);
      expect(lines).toHaveLength(queries.length);
      return lines.reduce((a, hits, i) => a + hits.filter((h) => backgroundOfKey.get(h.key) === queries[i]!.colour).length, 0);
    };
    const text = (colour: string) => ({ text: `on a ${colour} background` });
    const chance = toward.reduce((a, q) => a + 10 * share(q.colour), 0);
    const alone = await count(toward, () => ({}));
    const composed = await count(toward, text);
    expect(composed).toBeGreaterThan(2 * chance);
    expect(composed).toBeGreaterThan(2 * alone);
    const without = await count(away, () => ({}));
    const minus = await count(away, (colour) => ({ minusText: `on a ${colour} background` }));
    expect(minus).toBeLessThan(without / 2);
  });

  test('--to caption searches the caption vectors: an image finds captions of its background', async () => {
    const s = t.valSamples[1]!;
    const file = join(tmp.dir, 'image-to-text.jpg');
    writeFileSync(file, s.image);
    const r = await cli(['search', '--run', t.run, '--image', file, '--to', 'caption', '--k', '10', '--json']);
    expect(r.code).toBe(0);
    const hits = JSON.parse(r.stdout).results as Hit[];
    expect(hits).toHaveLength(10);
    // Image→image finds the image itself at cosine 1; image→caption crosses the modality gap.
    const images = JSON.parse((await cli(['search', '--run', t.run, '--image', file, '--k', '1', '--json'])).stdout).results as Hit[];
    expect(images[0]).toMatchObject({ key: s.key });
    expect(images[0]!.score).toBeGreaterThan(0.99);
    expect(hits[0]!.score).toBeLessThan(0.95);
    // The first 16 held-out images: how many of their top 10 captions name the image's true
    // background, against chance (the share of all captions that name it; signs name none).
    const queried = t.valSamples.slice(0, 16);
    const queries = join(tmp.dir, 'image-to-caption.jsonl');
    writeFileSync(queries, queried.map((q, i) => {
      const path = join(tmp.dir, `to-caption-${i}.jpg`);
      writeFileSync(path, q.image);
      return JSON.stringify({ image: path });
    }).join('\n'));
    const many = await cli(['search', '--run', t.run, '--queries', queries, '--to', 'caption', '--k', '10', '--json']);
    expect(many.code).toBe(0);
    const lines = many.stdout.trim().split('\n').map((l) => JSON.parse(l).results as Hit[]);
    expect(lines).toHaveLength(16);
    const named = t.samples.map((x) => backgroundOf(x.caption));
    const chance = queried.reduce((a, q) => a + (10 * named.filter((b) => b === backgroundLabel(q)).length) / named.length, 0);
    const found = lines.reduce((a, hits, i) => a + hits.filter((h) => backgroundOf(h.caption) === backgroundLabel(queried[i]!)).length, 0);
    expect(found).toBeGreaterThan(3 * chance);
  });

  test('--html writes a contact sheet with the thumbnails read from the shards', async () => {
    const html = join(tmp.dir, 'sheet.html');
    const r = await cli(['search', '--run', t.run, '--text', 'a red circle on a white background', '--k', '4', '--html', html]);
    expect(r.code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<img src="data:image\/jpeg;base64,/g)).toHaveLength(4);
  });

  test('zero-shot classify beats chance on labelled held-out shards and reports per-class accuracy', async () => {
    const templates = join(tmp.dir, 'templates.txt');
    writeFileSync(templates, 'a shape on a {} background\non a {} background\n');
    const args = ['classify', '--run', t.run, '--labels', BACKGROUNDS.join(','), '--templates', templates, '--shards', t.labelled, '--top', '3', '--json'];
    const r = await cli([...args, '--label-field', 'background']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s)).toEqual(['samples', 'predictions', 'accuracy', 'perClass']);
    expect(s.samples).toBe(64);
    expect(s.predictions[0].top).toHaveLength(3);
    expect(s.accuracy).toBeGreaterThan(2 / BACKGROUNDS.length);
    const perClass = Object.values(s.perClass as Record<string, { samples: number }>).reduce((a, c) => a + c.samples, 0);
    expect(perClass).toBe(64);
    // The same labels from the .cls members (class indices).
    const byCls = JSON.parse((await cli(args)).stdout);
    expect(byCls.accuracy).toBe(s.accuracy);
  });

  test('classify --images takes files and folders', async () => {
    const file = join(tmp.dir, 'image-to-text.jpg');
    const r = await cli(['classify', '--run', t.run, '--labels', 'white,black', '--images', file, tmp.dir, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.predictions[0]).toMatchObject({ file });
    expect(s.samples).toBeGreaterThanOrEqual(6);
    expect(s.accuracy).toBeUndefined();
  });

  test('an index built with another checkpoint is refused (exit 2) until --rebuild', async () => {
    const more = await cli(['train', '--shards', join(t.shards, 'train-{000000..000001}.tar'), '--out', t.run, '--resume', '--steps', String(STEPS + 1), '--batch-size', '32', '--backend', 'wasm']);
    expect(more.code).toBe(0);
    const search = await cli(['search', '--run', t.run, '--text', 'a red circle']);
    expect(search.code).toBe(2);
    expect(search.stderr).toContain(`step ${STEPS}`);
    const index = await cli(['index', '--run', t.run, '--shards', t.val]);
    expect(index.code).toBe(2);
    expect(index.stderr).toContain('--rebuild');
    const rebuilt = await cli(['index', '--run', t.run, '--shards', t.val, '--rebuild', '--json']);
    expect(rebuilt.code).toBe(0);
    expect(JSON.parse(rebuilt.stdout)).toMatchObject({ step: STEPS + 1, added: 64, total: 64 });
  });

  test('bad flags exit 2 before any work', async () => {
    const cases: [string[], string][] = [
      [['search', '--run', t.run], '--text'],
      [['search', '--run', t.run, '--text', 'a', '--minus-text', 'b'], '--minus-text'],
      [['search', '--run', t.run, '--text', 'a', '--k', '0'], '--k'],
      [['search', '--run', t.run, '--text', 'a', '--queries', 'q.txt'], '--queries'],
      [['search', '--run', t.run, '--queries', join(tmp.dir, 'missing.txt')], '--queries'],
      [['search', '--text', 'a'], 'run'],
      [['search', '--run', t.run, '--image', join(tmp.dir, 'no-such.jpg')], '--image'],
      [['search', '--run', t.run, '--image', join(tmp.dir, 'captions.txt')], 'does not decode'],
      [['index', '--shards', t.shards], 'run'],
      [['classify', '--run', t.run, '--images', tmp.dir], '--labels'],
      [['classify', '--run', t.run, '--labels', 'a,b'], '--images'],
      [['classify', '--run', t.run, '--labels', 'a', '--images', tmp.dir], '--labels'],
      [['classify', '--run', t.run, '--labels', 'a,b', '--images', tmp.dir, '--templates', join(tmp.dir, 'captions.txt')], '{}'],
      [['score', '--run', t.run, '--batch-size', '0'], '--batch-size'],
    ];
    for (const [argv, needle] of cases) {
      const r = await cli(argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toContain(needle);
    }
    const badLine = join(tmp.dir, 'bad-queries.jsonl');
    writeFileSync(badLine, '{"text": "ok"}\n{"text": 3}\n');
    const r = await cli(['search', '--run', t.run, '--queries', badLine]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad-queries.jsonl:2');
  });
});
