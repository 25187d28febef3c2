import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { ShardConfigSchema, type ShardConfig } from '../../../src/config/shard.js';
import { corpusDir } from '../../helpers/paths.js';
import type { FixturePair } from './fixture-store.js';
import { groupSamples, readTar, type Sample } from './read-shard.js';

export const corpusImage = (name: string): string => join(corpusDir(), 'images', name);

/**
 * Real images of every awkward kind the shard stage must handle (EXIF rotation, CMYK, 16-bit,
 * alpha, animation, grey, TIFF, WebP), two alts for one image, two broken files, one missing
 * file and one pair the filter rejected. 12 samples come out.
 */
export function awkwardImagesFixture(): FixturePair[] {
  return [
    { image: corpusImage('Landscape_5.jpg'), alt: 'A waterfall in a forest, rotated by EXIF' },
    { image: corpusImage('Portrait_6.jpg'), alt: 'A waterfall seen upright' },
    { image: corpusImage('Channel_digital_image_CMYK_color.jpg'), alt: 'A family walking in a park (CMYK)' },
    { image: corpusImage('Channel_digital_image_CMYK_color.jpg'), alt: 'Grandfather  with a pram\nand a dog', pageUrl: 'http://site.test/other.html' },
    { image: corpusImage('Flag_of_the_Netherlands-16bit.png'), alt: 'The flag of the Netherlands, 16 bits' },
    { image: corpusImage('embedgravitybird.png'), alt: 'A bird on a transparent background' },
    { image: corpusImage('full-transparent.png'), alt: 'A fully transparent square' },
    { image: corpusImage('animated-loop-3.gif'), alt: 'The golden ratio formula, animated' },
    { image: corpusImage('concert.jpg'), alt: 'Ünïcode café ☕ concert in black and white' },
    { image: corpusImage('tifftag-photoshop.tiff'), alt: 'A 16-bit TIFF from Photoshop' },
    { image: corpusImage('4.webp'), alt: 'A lossy WebP photograph' },
    { image: corpusImage('Crash_test.gif'), alt: 'A crash test in a GIF' },
    { image: corpusImage('truncated.jpg'), alt: 'A JPEG cut short', size: { width: 2725, height: 2225 } },
    { image: corpusImage('corrupt-header.jpg'), alt: 'A JPEG with a corrupt header', size: { width: 640, height: 480 } },
    { image: corpusImage('Landscape_1.jpg'), alt: 'An image whose file is missing', withoutFile: true },
    { image: corpusImage('random.jpg'), alt: 'rejected by the filter', kept: false },
  ];
}

/** Test config: small shards so a dozen samples make several. */
export function shardConfig(overrides: Partial<ShardConfig> = {}): ShardConfig {
  return ShardConfigSchema.parse({ samplesPerShard: 5, valFraction: 0.25, concurrency: 2, ...overrides });
}

export interface ReadSample extends Sample {
  shard: string;
  json: Record<string, unknown> & { key: string; sha256: string; alt: string; width: number; height: number };
  txt: string;
}

/** Every sample of every shard the manifests list, with its parsed .json and .txt. */
export async function readAllSamples(shardsDir: string): Promise<ReadSample[]> {
  const out: ReadSample[] = [];
  for (const manifest of ['manifest.json', 'val-manifest.json']) {
    const index = JSON.parse(readFileSync(join(shardsDir, manifest), 'utf8')) as { shardlist: { url: string }[] };
    for (const { url } of index.shardlist) {
      for (const s of groupSamples(await readTar(join(shardsDir, url)))) {
        out.push({ ...s, shard: url, json: JSON.parse(s.members.json!.toString('utf8')), txt: s.members.txt!.toString('utf8') });
      }
    }
  }
  return out;
}

export async function jpegInfo(data: Buffer): Promise<sharp.Metadata> {
  return sharp(data).metadata();
}
