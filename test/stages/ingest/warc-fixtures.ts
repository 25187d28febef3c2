import { WARCRecord, WARCSerializer } from 'warcio';

/** WAT and WARC files written with warcio, as Common Crawl writes them: one gzip member per record. */

export interface WatLinkSpec {
  path: string;
  url: string;
  alt?: string;
}

export interface WatPageSpec {
  url: string;
  base?: string;
  metas?: { name: string; content: string }[];
  links: WatLinkSpec[];
}

const encoder = new TextEncoder();

async function serialize(record: WARCRecord, gzip: boolean): Promise<Uint8Array> {
  return WARCSerializer.serialize(record, { gzip });
}

function watEnvelope(page: WatPageSpec): string {
  const head: Record<string, unknown> = { Title: 'a page', Metas: page.metas ?? [] };
  if (page.base !== undefined) head.Base = page.base;
  return JSON.stringify({
    Container: { Filename: 'CC-MAIN-test.warc.gz', Compressed: true },
    Envelope: {
      Format: 'WARC',
      'WARC-Header-Length': '500',
      'WARC-Header-Metadata': { 'WARC-Type': 'response', 'WARC-Target-URI': page.url, 'WARC-Date': '2024-01-01T00:00:00Z' },
      'Payload-Metadata': {
        'Actual-Content-Type': 'application/http; msgtype=response',
        'HTTP-Response-Metadata': {
          'Response-Message': { Status: '200', Version: 'HTTP/1.1', Reason: 'OK' },
          Headers: { 'Content-Type': 'text/html; charset=UTF-8' },
          'HTML-Metadata': { Head: head, Links: page.links },
        },
      },
    },
  });
}

/** A WAT file: a warcinfo record, then per page a metadata record (and a request-like metadata record without HTML). */
export async function buildWat(pages: WatPageSpec[], options: { gzip?: boolean; truncateLast?: boolean } = {}): Promise<Buffer> {
  const gzip = options.gzip ?? true;
  const parts: Uint8Array[] = [await serialize(WARCRecord.createWARCInfo({ filename: 'test.wat.gz' }, { software: 'test' }), gzip)];
  for (const page of pages) {
    const body = encoder.encode(watEnvelope(page));
    const record = WARCRecord.create({ url: page.url, type: 'metadata', warcHeaders: { 'Content-Type': 'application/json' } }, [body]);
    parts.push(await serialize(record, gzip));
  }
  let out = Buffer.concat(parts);
  if (options.truncateLast) {
    const last = parts.at(-1)!;
    out = out.subarray(0, out.length - Math.floor(last.length / 2));
  }
  return out;
}

export interface WarcPageSpec {
  url: string;
  html: string;
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A WARC file: per page a request and a response record. */
export async function buildWarc(pages: WarcPageSpec[], options: { gzip?: boolean; truncateLast?: boolean } = {}): Promise<Buffer> {
  const gzip = options.gzip ?? true;
  const parts: Uint8Array[] = [];
  for (const page of pages) {
    const request = WARCRecord.create({ url: page.url, type: 'request', statusline: 'GET / HTTP/1.1', httpHeaders: { Host: new URL(page.url).host } }, []);
    parts.push(await serialize(request, gzip));
    const status = page.status ?? 200;
    const response = WARCRecord.create(
      {
        url: page.url,
        type: 'response',
        statusline: `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'X'}`,
        httpHeaders: { 'Content-Type': page.contentType ?? 'text/html; charset=utf-8', ...page.headers },
      },
      [encoder.encode(page.html)],
    );
    parts.push(await serialize(response, gzip));
  }
  let out = Buffer.concat(parts);
  if (options.truncateLast) out = out.subarray(0, out.length - Math.floor(parts.at(-1)!.length / 2));
  return out;
}
