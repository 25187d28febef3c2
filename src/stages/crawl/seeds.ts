import { readFileSync } from 'node:fs';
import { usageError } from '../../errors.js';
import type { NewPage } from '../../store/crawl.js';
import { hostOf, normalizeUrl } from '../../html/url.js';

/**
 * Seeds: `--seeds URL...` and `--seeds-file FILE` (one URL a line, `#` starts a comment).
 * Checked before any work: a bad one exits 2 naming where it came from.
 */
export function readSeedsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`--seeds-file: cannot read ${path}: ${(err as Error).message}`);
  }
  const seeds: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const value = line.replace(/#.*$/, '').trim();
    if (value === '') return;
    seeds.push(checkSeed(value, `--seeds-file ${path} line ${i + 1}`));
  });
  return seeds;
}

/** A seed in its stored form, or a usage error naming `where` (`--seeds`, a file and line). */
export function checkSeed(raw: string, where: string): string {
  const url = normalizeUrl(raw.trim());
  if (url === undefined) throw usageError(`${where}: expected an http(s) URL, got \`${raw}\``);
  return url;
}

/** All seeds of a run, deduplicated, in order: the config's (and flags') list, then the file's. */
export function resolveSeeds(seeds: readonly string[], seedsFile: string | null): string[] {
  const all = seeds.map((s) => checkSeed(s, '--seeds'));
  if (seedsFile !== null) all.push(...readSeedsFile(seedsFile));
  return [...new Set(all)];
}

/** A seed whose path looks like a sitemap is read as one (a page seed that turns out to be XML is too). */
export function seedRow(url: string): NewPage {
  const path = new URL(url).pathname.toLowerCase();
  const sitemap = /\.xml(\.gz)?$/.test(path) || /sitemap[^/]*$/.test(path);
  return { url, host: hostOf(url), depth: 0, kind: sitemap ? 'sitemap' : 'page' };
}
