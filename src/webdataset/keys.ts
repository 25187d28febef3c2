/** Shard file names, sample keys and brace patterns: how every WebDataset this program writes is named. */

export type Split = 'train' | 'val';

/** `train-000003.tar`. */
export function shardFileName(prefix: string, number: number): string {
  return `${prefix}-${String(number).padStart(6, '0')}.tar`;
}

/** Digits of the in-shard index: wide enough for `samplesPerShard`, at least 4. */
export function indexDigits(samplesPerShard: number): number {
  return Math.max(4, String(samplesPerShard - 1).length);
}

/**
 * A sample key: shard number and index, `000003_0042` (train) or `val000003_0042` (val).
 * No dots (WebDataset splits member names at the first dot) and unique across the dataset,
 * because a (split, shard number) pair is used once.
 */
export function sampleKey(split: Split, shardNumber: number, index: number, digits: number): string {
  const key = `${String(shardNumber).padStart(6, '0')}_${String(index).padStart(digits, '0')}`;
  return split === 'val' ? `val${key}` : key;
}

/** `train-{000000..000003}.tar`: the brace pattern open_clip and webdataset expand. */
export function bracePattern(prefix: string, count: number): string | null {
  if (count === 0) return null;
  const last = String(count - 1).padStart(6, '0');
  return `${prefix}-{000000..${last}}.tar`;
}
