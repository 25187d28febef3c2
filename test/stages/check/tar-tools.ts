import { createReadStream, writeFileSync } from 'node:fs';
import tar from 'tar-stream';
import { runCli } from '../../helpers/cli.js';

export interface Member {
  name: string;
  data: Buffer;
}

/** Every member of a tar, read with tar-stream (not our reader). */
export async function readMembers(path: string): Promise<Member[]> {
  const extract = tar.extract();
  createReadStream(path).pipe(extract);
  const out: Member[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ name: entry.header.name, data: Buffer.concat(chunks) });
  }
  return out;
}

/** Writes a tar with tar-stream's packer (another tool's tar: mtimes, modes and padding of its own). */
export async function writeMembers(path: string, members: readonly Member[]): Promise<void> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const m of members) pack.entry({ name: m.name, mtime: new Date(1_700_000_000_000) }, m.data);
  pack.finalize();
  await done;
  writeFileSync(path, Buffer.concat(chunks));
}

/** Rewrites a tar through `edit`. */
export async function editTar(path: string, edit: (members: Member[]) => Member[]): Promise<void> {
  await writeMembers(path, edit(await readMembers(path)));
}

/** A small real data dir: the demo site crawled, filtered and sharded (no training). */
export async function makeDemoDataDir(dir: string, photos = 60): Promise<void> {
  const r = await runCli(['demo', '--data-dir', dir, '--train-seconds', '0', '--photos', String(photos), '--quiet']);
  if (r.code !== 0) throw new Error(`demo exited ${r.code}: ${r.stderr}`);
}
