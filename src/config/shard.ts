import { z } from 'zod';

/** `shard` section: how kept pairs become WebDataset samples and shards. Every field has a default. */
export const ShardConfigSchema = z.strictObject({
  /**
   * How images are resized: `shorter-side` scales so the shorter side is exactly `imageSize`
   * (aspect kept), `center-crop` scales and crops to `imageSize`×`imageSize`, `none` keeps the size.
   * @default 'shorter-side'
   */
  resizeMode: z.enum(['shorter-side', 'center-crop', 'none']).default('shorter-side'),
  /** The target size S in px (also `--image-size`). @default 256 */
  imageSize: z.int().positive().max(16_384).default(256),
  /** Only shrink: an image already smaller than the target is stored at its own size. @default false */
  resizeOnlyIfBigger: z.boolean().default(false),
  /** JPEG quality of the stored images, 1-100. @default 90 */
  jpegQuality: z.int().min(1).max(100).default(90),
  /** A shard closes when it holds this many samples (also `--samples-per-shard`). @default 10000 */
  samplesPerShard: z.int().positive().max(9_999_999).default(10_000),
  /** A shard closes before it would grow past this many bytes (a lone bigger sample still gets one). @default 1073741824 */
  maxShardBytes: z.int().positive().default(1024 * 1024 * 1024),
  /**
   * Fraction of images held out for evaluation, chosen by a hash of the image's sha256, so the
   * split is stable as the dataset grows and no image is in both (also `--val-fraction`).
   * @default 0.01
   */
  valFraction: z.number().min(0).max(1).default(0.01),
  /** File name prefix of training shards: `train-000000.tar`. @default 'train' */
  trainPrefix: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).default('train'),
  /** File name prefix of held-out shards: `val-000000.tar`. @default 'val' */
  valPrefix: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).default('val'),
  /**
   * Which encoder re-encodes the images: `native` (native/encode.c, built by `npm run build` where
   * a C compiler is found) decodes JPEGs at 1/2, 1/4 or 1/8 scale and resizes at the exact scale,
   * 1.1-1.2x faster than sharp at slightly better quality (bench/shard.ts); images it does not
   * take (PNG, CMYK, EXIF-rotated, ...) still go through sharp. `sharp` uses sharp alone.
   * `auto`: native where it was built and loads, else sharp. The two give slightly different
   * bytes for the same image (also `--encoder`).
   * @default 'auto'
   */
  encoder: z.enum(['auto', 'native', 'sharp']).default('auto'),
  /** Images encoded at once, each in its own encoder process (null: one per CPU core, see stages/shard/encode-pool.ts). @default null */
  concurrency: z.int().positive().max(256).nullable().default(null),
}).refine((c) => c.trainPrefix !== c.valPrefix, { message: 'must differ from trainPrefix', path: ['valPrefix'] });

export type ShardConfig = z.infer<typeof ShardConfigSchema>;
