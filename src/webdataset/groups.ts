/**
 * (Shared: check reads shards through this; the reader in reader.ts is the training-side view.)
 * Streams the raw sample groups of one WebDataset tar: every member of one key together, whatever
 * they are, so a caller can judge samples that lack an image or a caption instead of skipping
 * them. The file's sha256 and size are taken as it streams, and damage is reported, not thrown.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import tar from 'tar-stream';
import { errorMessage } from '../errors.js';
import { splitKey } from './reader.js';

export interface SampleGroup {
  key: string;
  /** Member bytes by lower-cased extension (`jpg`, `txt`, `json`, `cls`...). */
  members: Map<string, Buffer>;
}

/** What reading one tar found besides its samples; filled in as it goes, final when the generator ends. */
export interface TarScan {
  bytes: number;
  sha256: string;
  /** Why the tar could not be read to its end (null: it could). */
  error: string | null;
}

export const IMAGE_EXTS = ['jpg', 'jpeg', 'png', 'webp'] as const;
const TEXT_EXTS = ['txt', 'text', 'caption'];

export async function* readSampleGroups(path: string, scan: TarScan): AsyncGenerator<SampleGroup> {
  const hash = createHash('sha256');
  const extract = tar.extract();
  const input = createReadStream(path);
  input.on('data', (chunk) => {
    hash.update(chunk as Buffer);
    scan.bytes += chunk.length;
  });
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract);
  let current: SampleGroup | undefined;
  try {
    for await (const entry of extract) {
      const data = await readEntry(entry);
      if (entry.header.type !== 'file') continue;
      const [key, ext] = splitKey(entry.header.name);
      if (current && current.key !== key) {
        yield current;
        current = undefined;
      }
      current ??= { key, members: new Map() };
      current.members.set(ext.toLowerCase(), data);
    }
    if (current) yield current;
  } catch (err) {
    // The group being read when the tar broke off is not yielded: its members may be cut short.
    scan.error = errorMessage(err);
  } finally {
    input.destroy();
    scan.sha256 = hash.digest('hex');
  }
}

async function readEntry(entry: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** The image member (first of jpg, jpeg, png, webp). */
export function groupImage(group: SampleGroup): { ext: string; data: Buffer } | undefined {
  for (const ext of IMAGE_EXTS) {
    const data = group.members.get(ext);
    if (data) return { ext, data };
  }
  return undefined;
}

/** The parsed .json member, or undefined when there is none or it is not a JSON object. */
export function groupJson(group: SampleGroup): Record<string, unknown> | undefined {
  const data = group.members.get('json');
  if (!data) return undefined;
  try {
    const parsed: unknown = JSON.parse(data.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The caption: a .txt (or .text, .caption) member. A caption only inside the .json does not
 * count: the readers that train on shards (ours, open_clip's) take the text member.
 */
export function groupCaption(group: SampleGroup): string | undefined {
  for (const ext of TEXT_EXTS) {
    const data = group.members.get(ext);
    if (data) return data.toString('utf8');
  }
  return undefined;
}
