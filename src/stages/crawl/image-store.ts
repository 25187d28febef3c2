import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { imagePath } from '../../util/image-path.js';

/**
 * The content-addressed image store: `images/ab/cd/<sha256>` under the data directory. Bytes
 * are written to `images/tmp/` and renamed into place, so a reader (or a kill -9) never sees
 * half a file; the same bytes from two URLs are one file.
 */
export class ImageStore {
  private readonly tmp: string;
  private readonly madeDirs = new Set<string>();
  private written = 0;

  constructor(private readonly dataDir: string) {
    this.tmp = join(dataDir, 'images', 'tmp');
    // Leftovers of a killed run are partial writes: nothing refers to them.
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp, { recursive: true });
  }

  pathOf(sha256: string): string {
    return imagePath(this.dataDir, sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }

  /** Stores the bytes unless they are already there. */
  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    const target = this.pathOf(sha256);
    if (existsSync(target)) return;
    const dir = dirname(target);
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    // Unique per write: two URLs with the same bytes may be written at once (same content, one rename wins).
    const temp = join(this.tmp, `${sha256}.${process.pid}.${this.written++}`);
    await writeFile(temp, bytes);
    await rename(temp, target);
  }
}
