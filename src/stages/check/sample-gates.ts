/** The gates on the shards' contents, from one scan and the scratch store's uniqueness queries. */
import type { CheckConfig } from '../../config/check.js';
import type { CheckScratch, Repeat } from '../../store/check-scratch.js';
import { type GateResult, gate, skipped } from './offenders.js';
import type { ScanResult } from './scan.js';

const listRepeats = (r: { first: Repeat[]; count: number }): { first: string[]; count: number } => ({
  first: r.first.map((x) => `${x.where} (${x.copies} copies)`),
  count: r.count,
});

export function sampleGates(scan: ScanResult, scratch: CheckScratch, config: CheckConfig): GateResult[] {
  const limit = config.offendersListed;
  const broken = scan.shards.filter((s) => s.error !== null);
  const shards = scan.shards.length;
  const vals = scan.shards.filter((s) => s.split === 'val').length;
  const decodeOff = 'decoding is off (check.decodeImages)';
  return [
    gate('tar-complete', 'every tar reads to its end', { shards, broken: broken.length }, {
      first: broken.slice(0, limit).map((s) => `${s.name} (${s.error})`),
      count: broken.length,
    }),
    gate('samples-complete', 'every sample has an image and a caption', { samples: scan.samples, incomplete: scan.incomplete.count }, scan.incomplete),
    gate('keys-unique', 'keys are unique across all shards', { samples: scan.samples }, listRepeats(scratch.repeatedKeys(limit))),
    gate('samples-unique', 'no sample repeats (same image bytes and caption)', { samples: scan.samples }, listRepeats(scratch.repeatedSamples(limit))),
    config.decodeImages
      ? gate('images-decode', 'every image decodes', { decoded: scan.decoded, undecodable: scan.undecodable.count }, scan.undecodable)
      : skipped('images-decode', 'every image decodes', decodeOff),
    config.decodeImages ? sizeGate(scan) : skipped('image-size', SIZE_DESCRIBE, decodeOff),
    gate('caption-words', 'every caption is within the word-count range', { min: config.minCaptionWords, max: config.maxCaptionWords }, scan.captionWords),
    gate('min-samples', 'the dataset holds the minimum number of samples', { samples: scan.samples, min: config.minSamples }, {
      first: scan.samples < config.minSamples ? [`${scan.samples} samples in ${shards} shards`] : [],
      count: scan.samples < config.minSamples ? 1 : 0,
    }),
    gate('splits-disjoint', 'train and val share no image', { valShards: vals, trainShards: shards - vals }, listRepeats(scratch.imagesInBothSplits(limit))),
  ];
}

const SIZE_DESCRIBE = "every image measures what its .json and the data dir's store say, and what the shard options give where the data dir says them";

/** Sizes against the .json and the store, and against the shard options for the shards whose recorded options match the config's. */
function sizeGate(scan: ScanResult): GateResult {
  const optionsShards = scan.shards.filter((s) => s.optionsJudged).length;
  const optionsUnknown = scan.shards.length - optionsShards;
  const figures = { checked: scan.decoded, optionsShards, optionsChecked: scan.optionsChecked, optionsUnknown };
  const note = optionsUnknown > 0
    ? `${optionsUnknown} shards not judged against the shard options: the store records other options than the config's for them, or none`
    : undefined;
  return gate('image-size', SIZE_DESCRIBE, figures, scan.wrongSize, { note });
}
