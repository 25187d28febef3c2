import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { request } from 'undici';
import type { InputSource } from './types.js';

/**
 * An input's bytes as a stream, from a byte offset where the source allows it: a local file
 * seeks, a URL asks for a Range (a server that ignores it answers 200 and the stream starts at 0,
 * which `start` reports). Bodies are streamed, never held whole. `gunzip` inflates a `.gz`
 * list (WARC/WAT readers inflate their own gzip members).
 */

export interface OpenedInput {
  stream: Readable;
  /** Byte offset in the source where the stream begins. */
  start: number;
}

/** An input that could not be opened or read to its end: recorded on the file, the run goes on. */
export class InputError extends Error {
  constructor(readonly reason: string, detail: string) {
    super(`${reason}: ${detail}`);
    this.name = 'InputError';
  }
}

export async function openInput(input: InputSource, from: number, opts: { gunzip: boolean; userAgent: string; signal: AbortSignal }): Promise<OpenedInput> {
  const opened = input.isUrl ? await openUrl(input.source, from, opts.userAgent, opts.signal) : { stream: createReadStream(input.source, { start: from, highWaterMark: 1 << 20 }), start: from };
  if (!opts.gunzip) return opened;
  const gunzip = createGunzip();
  opened.stream.on('error', (err: Error) => gunzip.destroy(err));
  return { stream: opened.stream.pipe(gunzip), start: opened.start };
}

async function openUrl(url: string, from: number, userAgent: string, signal: AbortSignal): Promise<OpenedInput> {
  let target = url;
  for (let hop = 0; hop <= 5; hop++) {
    const headers: Record<string, string> = { 'user-agent': userAgent, 'accept-encoding': 'identity' };
    if (from > 0) headers.range = `bytes=${from}-`;
    let res;
    try {
      res = await request(target, { headers, signal, headersTimeout: 60_000, bodyTimeout: 120_000 });
    } catch (err) {
      throw new InputError('fetch_failed', `${url}: ${(err as Error).message}`);
    }
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      res.body.resume();
      target = new URL(location, target).href;
      continue;
    }
    if (res.statusCode !== 200 && res.statusCode !== 206) {
      res.body.resume();
      throw new InputError(`http_${res.statusCode}`, url);
    }
    return { stream: res.body, start: res.statusCode === 206 ? from : 0 };
  }
  throw new InputError('too_many_redirects', url);
}
