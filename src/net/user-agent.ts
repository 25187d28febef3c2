import { packageVersion } from '../util/version.js';

/** The User-Agent of every request align-data makes (crawl, image downloads, ingest inputs). */
export function makeUserAgent(contactUrl: string): string {
  return `align-data/${packageVersion()} (+${contactUrl})`;
}
