import { createHash } from 'node:crypto';
import type { Split } from '../../webdataset/keys.js';

/**
 * Whether an image is held out. A hash of its sha256 (salted, so the held-out images are not
 * simply the first ones in sha order) mapped to [0, 1): the answer depends on the image alone,
 * so it never changes as the dataset grows, and every pair of one image lands in one split.
 */
export function splitOf(sha256: string, valFraction: number): Split {
  if (valFraction <= 0) return 'train';
  const h = createHash('sha256').update(`align-data/val/${sha256}`).digest();
  const u = h.readUIntBE(0, 6) / 2 ** 48;
  return u < valFraction ? 'val' : 'train';
}
