import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { version: string; root: string } | undefined;

/** The package root and version, found by walking up from this module (works from src/ and dist/). */
function packageInfo(): { version: string; root: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'align-data') {
        cached = { version: pkg.version ?? '0.0.0', root: dir };
        return cached;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('align-data: package.json not found above ' + import.meta.url);
    dir = parent;
  }
}

export function packageVersion(): string {
  return packageInfo().version;
}

/** The package's root directory (where package.json, filters/ and config.example.json live). */
export function packageRoot(): string {
  return packageInfo().root;
}
