import { createReadStream } from 'node:fs';
import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  data: Buffer;
  header: tar.Header;
}

/** Reads every member of a tar file with tar-stream (an independent reader, not ours). */
export async function readTar(path: string): Promise<TarEntry[]> {
  const extract = tar.extract();
  const entries: TarEntry[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        entries.push({ name: header.name, data: Buffer.concat(chunks), header });
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', () => resolve());
    extract.on('error', reject);
  });
  createReadStream(path).pipe(extract);
  await done;
  return entries;
}

export interface Sample {
  key: string;
  members: Record<string, Buffer>;
}

/** Groups members into WebDataset samples: the key is the name up to the first dot. */
export function groupSamples(entries: readonly TarEntry[]): Sample[] {
  const samples: Sample[] = [];
  for (const e of entries) {
    const dot = e.name.indexOf('.');
    const key = e.name.slice(0, dot);
    const ext = e.name.slice(dot + 1);
    let last = samples[samples.length - 1];
    if (!last || last.key !== key) {
      last = { key, members: {} };
      samples.push(last);
    }
    last.members[ext] = e.data;
  }
  return samples;
}
