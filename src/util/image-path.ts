import { join } from 'node:path';

/**
 * Where an image's bytes live in a data directory: `images/ab/cd/<sha256>`, content-addressed,
 * so one image served from many URLs is stored once. Every stage uses this one function.
 */
export function imagePath(dataDir: string, sha256: string): string {
  return join(dataDir, 'images', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
}
