import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

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

/** A fresh temp directory; remove it with the returned cleanup. */
export function makeTempDir(prefix = 'align-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
