/** What every reader yields: one row (lists) or one WARC record, with the pairs it gave and why it gave none. */

/** A pair as a reader found it: the image URL in stored form, the alt text as found. */
export interface FoundPair {
  imageUrl: string;
  altRaw: string;
  /** The page the pair was on; null for a list row without a page column (the file stands in). */
  pageUrl: string | null;
  pageOptOut: string | null;
  /** Saved columns of a list row. */
  columns: Record<string, unknown> | null;
}

export interface SourceUnit {
  /** Row index (lists) or byte offset of the record in the file (WAT/WARC): the pairs' provenance. */
  position: number;
  /** Where a resumed read starts once this unit is stored. */
  next: number;
  pairs: FoundPair[];
  /** Why (part of) this unit could not become pairs: bad_json, no_url, bad_url, no_caption, ... */
  rejects: { reason: string; detail: string | null }[];
}

/** One input file or URL, resolved. */
export interface InputSource {
  /** Absolute path or http(s) URL: the progress key. */
  source: string;
  isUrl: boolean;
  format: 'txt' | 'csv' | 'tsv' | 'json' | 'jsonl' | 'parquet' | 'wat' | 'warc';
  gzip: boolean;
  size: number | null;
  mtimeMs: number | null;
}

/** How list rows map to pairs. */
export interface ListColumns {
  urlCol: string;
  captionCol: string;
  pageUrlCol: string | null;
  saveColumns: readonly string[];
}

/** Reads one input from a resume point; yields units in order, each with position >= from. */
export type Reader = (input: InputSource, from: number, signal: AbortSignal) => AsyncIterable<SourceUnit>;
