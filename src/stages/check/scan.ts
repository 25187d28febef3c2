/**
 * One streaming pass over the shards: every tar read to its end (sha256 and size taken on the
 * way), every sample looked at (image, caption, word count), every image decoded in a bounded
 * window, and one row per sample put in the scratch store for the uniqueness gates. Nothing
 * held in memory grows with the number of samples.
 */
import { basename, dirname } from 'node:path';
import sharp from 'sharp';
import type { CheckConfig } from '../../config/check.js';
import { errorMessage } from '../../errors.js';
import type { CheckScratch } from '../../store/check-scratch.js';
import { sha256Hex } from '../../util/hash.js';
import { perceptualHash } from '../../util/phash.js';
import { altKey, normalizeAlt, wordCount } from '../../util/text.js';
import { type SampleGroup, type TarScan, groupCaption, groupImage, groupJson, readSampleGroups } from '../../webdataset/groups.js';
import { Offenders } from './offenders.js';
import { type ResizeOptions, type SizeRule, optionsSizeRule } from './options-size.js';

export interface ShardTally {
  name: string;
  path: string;
  dir: string;
  split: 'train' | 'val';
  /** Key groups read (complete or not). */
  groups: number;
  /** Samples with an image and a caption. */
  samples: number;
  bytes: number;
  sha256: string;
  /** Why the tar broke off (null: read to its end). */
  error: string | null;
  /** Whether its images were judged against the shard options (its recorded options hash matches the config's). */
  optionsJudged: boolean;
}

export interface ScanResult {
  shards: ShardTally[];
  samples: number;
  incomplete: Offenders;
  captionWords: Offenders;
  undecodable: Offenders;
  wrongSize: Offenders;
  /** Images that are near-duplicates of an eval image (only with an eval set). */
  nearEval: Offenders;
  decoded: number;
  /** Decoded images judged against the shard options. */
  optionsChecked: number;
}

export interface ScanOptions {
  config: CheckConfig;
  scratch: CheckScratch;
  /** Whether a shard file holds held-out samples. */
  isVal(shardName: string): boolean;
  /** The size the data dir recorded for a key, when there is a data dir. */
  storedSize?(key: string): { width: number; height: number } | undefined;
  /** The resize options to judge a shard's images by (absent or undefined: the data dir does not say them). */
  shardOptions?(shardName: string): ResizeOptions | undefined;
  /** The displayed size of a sample's original image, as the data dir recorded it. */
  originalSize?(key: string): { width: number; height: number } | undefined;
  /** Whether a perceptual hash is near an eval image (absent: no eval set). */
  nearEval?(phash: string): boolean;
  concurrency: number;
  signal: AbortSignal;
  progress(done: number): void;
}

interface Expected {
  width: number;
  height: number;
  from: string;
}

/** What one decoded image is measured against. */
interface SizeChecks {
  expected: Expected[];
  /** The shard options' rule (absent: the shard's options are not known here). */
  rule?: SizeRule;
}

export async function scanShards(paths: readonly string[], o: ScanOptions): Promise<ScanResult> {
  const limit = o.config.offendersListed;
  const result: ScanResult = {
    shards: [],
    samples: 0,
    incomplete: new Offenders(limit),
    captionWords: new Offenders(limit),
    undecodable: new Offenders(limit),
    wrongSize: new Offenders(limit),
    nearEval: new Offenders(limit),
    decoded: 0,
    optionsChecked: 0,
  };
  const inflight: Promise<void>[] = [];
  for (const path of paths) {
    if (o.signal.aborted) break;
    const scan: TarScan = { bytes: 0, sha256: '', error: null };
    const name = basename(path);
    const split = o.isVal(name) ? 'val' : 'train';
    const options = o.shardOptions?.(name);
    const tally: ShardTally = {
      name, path, dir: dirname(path), split, groups: 0, samples: 0, bytes: 0, sha256: '', error: null, optionsJudged: options !== undefined,
    };
    for await (const group of readSampleGroups(path, scan)) {
      tally.groups += 1;
      const job = inspect(group, tally, options, o, result);
      if (job) inflight.push(job);
      // A bounded window of decodes: sharp works on its own threads while the tar is read.
      if (inflight.length >= o.concurrency) await inflight.shift();
      if (tally.groups % 256 === 0) o.progress(result.samples);
    }
    Object.assign(tally, { bytes: scan.bytes, sha256: scan.sha256, error: scan.error });
    result.shards.push(tally);
  }
  await Promise.all(inflight);
  return result;
}

/** Looks at one sample; returns its decode job when images are decoded. */
function inspect(group: SampleGroup, tally: ShardTally, options: ResizeOptions | undefined, o: ScanOptions, result: ScanResult): Promise<void> | undefined {
  const where = `${tally.name}:${group.key}`;
  const json = groupJson(group);
  const image = groupImage(group);
  const caption = groupCaption(group);
  if (!image || caption === undefined) {
    const missing = [image ? '' : 'image', caption === undefined ? 'caption' : ''].filter(Boolean).join(' and ');
    result.incomplete.add(`${where} (no ${missing})`);
    return undefined;
  }
  tally.samples += 1;
  result.samples += 1;
  const text = normalizeAlt(caption);
  const words = wordCount(text);
  if (words < o.config.minCaptionWords || words > o.config.maxCaptionWords) result.captionWords.add(`${where} (${words} words)`);
  o.scratch.add({ key: group.key, shard: tally.name, imageSha: sha256Hex(image.data), captionSha: sha256Hex(altKey(text)), split: tally.split });
  if (!o.config.decodeImages) return undefined;
  const checks: SizeChecks = { expected: expectedSizes(group.key, json, o), rule: options && optionsSizeRule(options, originalSize(group.key, json, o)) };
  return decodeImage(image.data, checks, where, result, o.nearEval);
}

/** The original's displayed size: the store's record first, else what the sample's .json says. */
function originalSize(key: string, json: Record<string, unknown> | undefined, o: ScanOptions): { width: number; height: number } | undefined {
  const stored = o.originalSize?.(key);
  if (stored) return stored;
  const { original_width: width, original_height: height } = json ?? {};
  return typeof width === 'number' && typeof height === 'number' ? { width, height } : undefined;
}

/** What the sample's .json and the data dir's store say the image measures. */
function expectedSizes(key: string, json: Record<string, unknown> | undefined, o: ScanOptions): Expected[] {
  const out: Expected[] = [];
  if (typeof json?.width === 'number' && typeof json.height === 'number') out.push({ width: json.width, height: json.height, from: 'json' });
  const stored = o.storedSize?.(key);
  if (stored) out.push({ ...stored, from: 'store' });
  return out;
}

async function decodeImage(data: Buffer, checks: SizeChecks, where: string, result: ScanResult, nearEval?: (phash: string) => boolean): Promise<void> {
  try {
    // A full decode to pixels: reading the header alone would pass a truncated image.
    const { info } = await sharp(data, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
    result.decoded += 1;
    const wrong = checks.expected.find((e) => e.width !== info.width || e.height !== info.height);
    if (wrong) result.wrongSize.add(`${where} (${info.width}×${info.height}, ${wrong.from} says ${wrong.width}×${wrong.height})`);
    else if (checks.rule && !checks.rule.fits(info.width, info.height)) result.wrongSize.add(`${where} (${info.width}×${info.height}, the shard options say ${checks.rule.says})`);
    if (checks.rule) result.optionsChecked += 1;
    if (nearEval && nearEval(await perceptualHash(data))) result.nearEval.add(where);
  } catch (err) {
    result.undecodable.add(`${where} (${errorMessage(err).split('\n')[0]})`);
  }
}
