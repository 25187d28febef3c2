import { z } from 'zod';

/** A regular expression given as a string: checked up front so a typo stops the run before any work. */
const RegexString = z
  .string()
  .min(1)
  .refine(
    (source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'expected a valid regular expression' },
  );

/** `crawl` section: seeds, scope, politeness, fetch limits. Every field has a default. */
export const CrawlConfigSchema = z.strictObject({
  /** Seed URLs (also `--seeds`). @default [] */
  seeds: z.array(z.url({ protocol: /^https?$/ })).default([]),
  /** A file of seed URLs, one a line, `#` comments (also `--seeds-file`). @default null */
  seedsFile: z.string().min(1).nullable().default(null),
  scope: z
    .strictObject({
      /** Which links to follow: the seeds' hosts, their registrable domains, `hosts` below, or any. @default 'host' */
      mode: z.enum(['host', 'domain', 'allowlist', 'any']).default('host'),
      /** Hosts allowed when mode is 'allowlist' (in addition to the seeds' hosts). @default [] */
      hosts: z.array(z.string().min(1)).default([]),
      /** Regular expressions: when non-empty, a page URL must match one of them. @default [] */
      include: z.array(RegexString).default([]),
      /** Regular expressions: a page URL matching any of them is not fetched. @default [] */
      exclude: z.array(RegexString).default([]),
    })
    .prefault({}),
  /** Stop after this many pages fetched (null: no limit). @default null */
  maxPages: z.int().positive().nullable().default(null),
  /** Links deeper than this from a seed are not followed (seeds are depth 0). @default 5 */
  maxDepth: z.int().nonnegative().default(5),
  /** Requests in flight to one host. @default 2 */
  perHostConcurrency: z.int().positive().default(2),
  /** Requests in flight in all. @default 32 */
  globalConcurrency: z.int().positive().default(32),
  /** Least time between two requests to one host, in ms; robots.txt Crawl-delay raises it. @default 0 */
  minDelayMs: z.int().nonnegative().default(0),
  /** Crawl-delay values above this are capped, in seconds. @default 60 */
  maxCrawlDelaySeconds: z.number().nonnegative().default(60),
  /** The contact URL put in the User-Agent. @default 'https://github.com/align-data/align-data' */
  contactUrl: z.url().default('https://github.com/align-data/align-data'),
  /** TCP connect timeout, ms. @default 10000 */
  connectTimeoutMs: z.int().positive().default(10_000),
  /** Time to the response headers, ms. @default 15000 */
  headersTimeoutMs: z.int().positive().default(15_000),
  /** Total deadline of one request, body included, ms. @default 30000 */
  requestDeadlineMs: z.int().positive().default(30_000),
  /** Redirects followed per request. @default 5 */
  maxRedirects: z.int().nonnegative().max(20).default(5),
  /** Retries of a transient failure (timeout, reset, 5xx), with exponential backoff. @default 2 */
  retries: z.int().nonnegative().default(2),
  /** First retry delay, ms; doubled each retry. @default 1000 */
  retryBaseDelayMs: z.int().nonnegative().default(1000),
  /** A 429/503 without Retry-After backs the host off this long, seconds. @default 60 */
  defaultRetryAfterSeconds: z.number().nonnegative().default(60),
  /** Retry-After values above this are capped, seconds. @default 3600 */
  maxRetryAfterSeconds: z.number().nonnegative().default(3600),
  /** Cap on a page's decoded body, bytes. @default 10485760 */
  maxPageBytes: z.int().positive().default(10 * 1024 * 1024),
  /** Cap on an image's decoded body, bytes. @default 20971520 */
  maxImageBytes: z.int().positive().default(20 * 1024 * 1024),
  /** Images with more pixels than this are rejected (decompression bombs). @default 100000000 */
  maxImagePixels: z.int().positive().default(100_000_000),
  /** Download and probe images (false: only record pairs). @default true */
  downloadImages: z.boolean().default(true),
  /**
   * How images are checked after download. 'header': sharp reads the header (format, size,
   * EXIF orientation, pixel cap) and a cheap structural check catches truncated JPEG/PNG/WebP.
   * 'decode': every pixel is decoded as well (slower; catches corrupt pixel data). @default 'header'
   */
  imageCheck: z.enum(['header', 'decode']).default('header'),
  /** Follow `Sitemap:` lines of robots.txt. @default true */
  followSitemaps: z.boolean().default(true),
  /** URLs listed in one sitemap that are read, at most (the sitemap protocol's limit). @default 50000 */
  maxSitemapUrls: z.int().positive().default(50_000),
  /** Longer URLs are ignored (link traps, session ids). @default 2048 */
  maxUrlLength: z.int().positive().default(2048),
  /** A stored robots.txt is reused for this long before it is fetched again, hours. @default 24 */
  robotsCacheHours: z.number().nonnegative().default(24),
  /** Pages and images older than this are refetched (conditionally) by a later crawl, hours. @default 168 */
  recrawlAfterHours: z.number().nonnegative().default(168),
});

export type CrawlConfig = z.infer<typeof CrawlConfigSchema>;
