import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TarWriter, encodeTarMembers, tarHeader } from '../../src/webdataset/tar.js';
import { sha256Hex } from '../../src/util/hash.js';
import { makeTempDir } from '../helpers/paths.js';
import { readTar } from '../stages/shard/read-shard.js';

describe('deterministic ustar writer', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  function writeTar(name: string, members: { name: string; data: Buffer }[]): { path: string; sha256: string; bytes: number } {
    const path = join(tmp.dir, name);
    const tar = new TarWriter(path);
    tar.write(encodeTarMembers(members));
    return { path, ...tar.finish() };
  }

  const members = [
    { name: '000000_0000.jpg', data: Buffer.alloc(512, 7) }, // exactly one block: no padding
    { name: '000000_0000.json', data: Buffer.from('{"key":"000000_0000"}') },
    { name: '000000_0000.txt', data: Buffer.alloc(0) },
    { name: '000000_0001.txt', data: Buffer.from('Ünïcode ☕', 'utf8') },
  ];

  test('tar-stream reads back every member with fixed header fields', async () => {
    const { path, sha256, bytes } = writeTar('a.tar', members);
    expect(bytes % 10240).toBe(0);
    expect(statSync(path).size).toBe(bytes);
    expect(sha256Hex(readFileSync(path))).toBe(sha256);
    const entries = await readTar(path);
    expect(entries.map((e) => e.name)).toEqual(members.map((m) => m.name));
    entries.forEach((e, i) => {
      expect(e.data.equals(members[i]!.data)).toBe(true);
      expect(e.header).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', size: members[i]!.data.length });
      expect(e.header.mtime!.getTime()).toBe(0);
    });
  });

  test('the same members give the same bytes', () => {
    expect(writeTar('b.tar', members).sha256).toBe(writeTar('c.tar', members).sha256);
    expect(writeTar('d.tar', members.slice().reverse()).sha256).not.toBe(writeTar('e.tar', members).sha256);
  });

  test('the header checksum is the sum of the header bytes with the field as spaces', () => {
    const h = tarHeader('x.txt', 5);
    const stored = parseInt(h.subarray(148, 154).toString('ascii'), 8);
    const copy = Buffer.from(h);
    copy.fill(0x20, 148, 156);
    expect(stored).toBe(copy.reduce((a, b) => a + b, 0));
    expect(h.subarray(257, 265).toString('ascii')).toBe('ustar\u000000');
  });

  test('names that ustar cannot hold are refused; an aborted tar leaves no file', () => {
    expect(() => tarHeader('a'.repeat(101), 1)).toThrow(/1-100/);
    expect(() => tarHeader('café.txt', 1)).toThrow(/ASCII/);
    const path = join(tmp.dir, 'aborted.tar.partial');
    const tar = new TarWriter(path);
    tar.write(encodeTarMembers(members));
    tar.abort();
    expect(existsSync(path)).toBe(false);
  });
});
