import { z } from 'zod';

/** Formats of URL/caption lists. */
export const LIST_FORMATS = ['txt', 'csv', 'tsv', 'json', 'jsonl', 'parquet'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

/**
 * `ingest` section: what to read and how. Image downloads use the `crawl` section's politeness
 * and limits (robots.txt, per-host concurrency, Crawl-delay, backoff, size and pixel caps).
 */
export const IngestConfigSchema = z.strictObject({
  /** URL/caption lists: files, folders, globs or http(s) URLs (also `--input`). @default [] */
  inputs: z.array(z.string().min(1)).default([]),
  /** Common Crawl WAT files, same forms (also `--wat`). @default [] */
  wat: z.array(z.string().min(1)).default([]),
  /** WARC files whose HTML responses are extracted as the crawler would (also `--warc`). @default [] */
  warc: z.array(z.string().min(1)).default([]),
  /** Format of the lists (null: from each file's extension). @default null */
  inputFormat: z.enum(LIST_FORMATS).nullable().default(null),
  /** Column holding the image URL. @default 'url' */
  urlCol: z.string().min(1).default('url'),
  /** Column holding the caption (alt text). @default 'caption' */
  captionCol: z.string().min(1).default('caption'),
  /** Column holding the page URL (null: the list file stands in as the page). @default null */
  pageUrlCol: z.string().min(1).nullable().default(null),
  /** Columns carried into each sample's .json in the shards. @default [] */
  saveColumns: z.array(z.string().min(1)).default([]),
  /** Download the queued images after reading (false: store the pairs only). @default true */
  download: z.boolean().default(true),
  /** Apply the filters that need no image (word-count, opt-out, blocklist) before an image is queued. @default false */
  prefilter: z.boolean().default(false),
  /** Rows or records written per transaction (and so lost at most by a kill). @default 2000 */
  batchSize: z.int().positive().default(2000),
});

export type IngestConfig = z.infer<typeof IngestConfigSchema>;
