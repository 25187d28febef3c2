/**
 * Eval-set dedup with real images from the corpus: a re-encoded, resized copy of a crawled photo
 * in the eval folder removes that photo; an unrelated photo is kept. Hashes are stored once.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FilterConfigSchema } from '../../../src/config/filter.js';
import { openStore } from '../../../src/store/db.js';
import { runFilter } from '../../../src/stages/filter/index.js';
import { hammingDistance, perceptualHash } from '../../../src/stages/filter/phash.js';
import { makeContext } from '../../../src/util/context.js';
import { corpusDir, makeTempDir } from '../../helpers/paths.js';
import { readDecisions, StoreBuilder } from './make-store.js';

describe('eval dedup', () => {
  const tmp = makeTempDir('align-evaldedup-');
  afterAll(() => tmp.cleanup());
  const photo = (name: string): Buffer => readFileSync(join(corpusDir(), 'images', name));

  test('a re-encoded, resized copy of a crawled image in the eval set removes it; an unrelated image is kept', async () => {
    const garden = photo('Garden.jpg');
    const ladybird = photo('LadyBird.jpg');
    const evalDir = join(tmp.dir, 'eval');
    mkdirSync(evalDir);
    const nearCopy = await sharp(garden).resize({ width: 640 }).jpeg({ quality: 70 }).toBuffer();
    writeFileSync(join(evalDir, 'coco-000001.jpg'), nearCopy);
    writeFileSync(join(evalDir, 'README.txt'), 'not an image');
    // The copy really is a different file, and close: the hash is what recognises it.
    expect(nearCopy.equals(garden)).toBe(false);
    const distance = hammingDistance(await perceptualHash(garden), await perceptualHash(nearCopy));
    expect(distance).toBeLessThanOrEqual(4);

    const dataDir = join(tmp.dir, 'data');
    const s = new StoreBuilder(dataDir);
    const gardenPair = s.simplePair('a garden in full bloom', { bytes: garden, width: 2560, height: 1600 });
    const ladybirdPair = s.simplePair('a ladybird on a leaf', { bytes: ladybird, width: 2560, height: 1600 });
    s.close();

    const config = FilterConfigSchema.parse({ evalDedup: { evalImages: [evalDir] } });
    const summary = await runFilter(config, makeContext(dataDir));
    const d = readDecisions(dataDir);
    expect(d.get(gardenPair)).toMatchObject({ kept: 0, reason: 'eval-dedup' });
    expect(d.get(ladybirdPair)!.kept).toBe(1);
    expect(summary.hashes).toEqual({ evalImages: 1, evalUndecodable: 1, storedHashed: 2, storedUnhashable: 0 });

    // Stored once: a second run hashes no crawled image and reads the eval hashes from the store.
    const db = openStore(dataDir);
    const stored = db.prepare('SELECT count(*) FROM blobs WHERE phash IS NOT NULL').pluck().get();
    const cached = db.prepare('SELECT count(*) FROM eval_hashes').pluck().get();
    db.close();
    expect(stored).toBe(2);
    expect(cached).toBe(2);
    const again = await runFilter(config, makeContext(dataDir));
    expect(again.hashes.storedHashed).toBe(0);
    expect(again.changed).toBe(0);
  });

  test('without eval images the filter is off and hashes nothing', async () => {
    const dataDir = join(tmp.dir, 'off');
    const s = new StoreBuilder(dataDir);
    s.simplePair('a garden in full bloom', { bytes: photo('Garden.jpg'), width: 2560, height: 1600 });
    s.close();
    const summary = await runFilter(FilterConfigSchema.parse({}), makeContext(dataDir));
    expect(summary.filters['eval-dedup']).toEqual({ active: false, first: 0, any: 0 });
    expect(summary.hashes.storedHashed).toBe(0);
  });

  test('a missing eval folder is a config error', async () => {
    const dataDir = join(tmp.dir, 'missing');
    new StoreBuilder(dataDir).close();
    const config = FilterConfigSchema.parse({ evalDedup: { evalImages: [join(tmp.dir, 'no-such-folder')] } });
    await expect(runFilter(config, makeContext(dataDir))).rejects.toMatchObject({ code: 'E_CONFIG', exitCode: 2 });
  });
});
