import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared corpus of real pages and images that tests and benchmarks read (never the pipeline
 * itself): ALIGN_CORPUS, or ../shared/corpus beside the repository (CI has it there too).
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared corpus of real pages and images: ../shared/corpus beside the repository (CI has it there too). */
export function corpusDir(): string {
  const dir = process.env.ALIGN_CORPUS ?? resolve(ROOT, '..', 'shared', 'corpus');
  if (!existsSync(join(dir, 'MANIFEST.json'))) {
    throw new Error(`the test corpus is missing at ${dir} (set ALIGN_CORPUS to its folder)`);
  }
  return dir;
}

export interface ManifestEntry {
  path: string;
  kind: 'page' | 'image';
  bytes: number;
  sha256: string;
  img_tags?: number;
  img_with_alt?: number;
  html_extra?: Record<string, unknown>;
  expected?: { decodable: boolean; format: string | null; width: number | null; height: number | null; error?: string };
  probe?: Record<string, unknown> & { autoOrient?: { width: number; height: number } };
}

export function corpusManifest(): ManifestEntry[] {
  return (JSON.parse(readFileSync(join(corpusDir(), 'MANIFEST.json'), 'utf8')) as { files: ManifestEntry[] }).files;
}
