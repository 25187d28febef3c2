import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Agent, request } from 'undici';
import { FetchFailure, classifyError } from './failure.js';

/**
 * One HTTP GET with undici: connect and header timeouts on the agent, a total deadline that
 * covers the body too (a server dripping a byte a second cannot hold a slot), and a cap on the
 * decoded body (a gzip or brotli bomb stops at the cap, not at the end of memory). Every body
 * is read to the end or destroyed.
 */

export interface HttpOptions {
  userAgent: string;
  /** TCP connect timeout, ms. */
  connectTimeoutMs: number;
  /** Time to the response headers, ms. */
  headersTimeoutMs: number;
  /** Total deadline of the request, body included, ms. */
  deadlineMs: number;
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** A response whose headers arrived; the body is read with `read` or dropped with `discard`. */
export interface OpenResponse {
  status: number;
  headers: ResponseHeaders;
  read(maxBytes: number): Promise<Buffer>;
  discard(): void;
}

export class HttpClient {
  private readonly agent: Agent;

  constructor(private readonly options: HttpOptions) {
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.deadlineMs,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 30_000,
    });
  }

  /**
   * Sends a GET and waits for the headers. Rejects with a FetchFailure, or with the signal's
   * reason when `signal` (Ctrl-C) aborted it.
   */
  async open(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<OpenResponse> {
    const deadline = startDeadline(this.options.deadlineMs, signal);
    try {
      const res = await request(url, {
        dispatcher: this.agent,
        method: 'GET',
        headers: { 'user-agent': this.options.userAgent, 'accept-encoding': 'gzip, deflate, br', ...headers },
        signal: deadline.signal,
      });
      const body = res.body as unknown as Readable;
      body.on('error', () => undefined); // errors surface through read(); a dropped body must not throw
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        deadline.clear();
      };
      return {
        status: res.statusCode,
        headers: res.headers,
        read: async (maxBytes) => {
          try {
            return await readBody(body, res.headers, maxBytes);
          } catch (err) {
            body.destroy();
            throw deadline.explain(err);
          } finally {
            settle();
          }
        },
        // A small rest is read so the connection can be reused; a large one is cut. The deadline still bounds it.
        discard: () => {
          res.body.dump({ limit: 64 * 1024 }).catch(() => undefined).finally(settle);
        },
      };
    } catch (err) {
      deadline.clear();
      throw deadline.explain(err);
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

interface Deadline {
  signal: AbortSignal;
  clear(): void;
  /** The error to report: the caller's abort reason, `timeout` when the deadline fired, else a classified failure. */
  explain(err: unknown): unknown;
}

/** A per-request AbortController fed by a timer and the run's signal; no listener outlives the request. */
function startDeadline(ms: number, outer: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new FetchFailure('timeout', { transient: true, detail: `no complete response within ${ms} ms` }));
  }, ms);
  const onAbort = (): void => controller.abort(outer.reason);
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
    explain(err) {
      if (outer.aborted) return outer.reason;
      if (timedOut) return new FetchFailure('timeout', { transient: true, detail: `no complete response within ${ms} ms` });
      return classifyError(err);
    },
  };
}

/** Reads a body, decoding Content-Encoding, and fails with `too_large` as soon as the decoded size passes the cap. */
async function readBody(body: Readable, headers: ResponseHeaders, maxBytes: number): Promise<Buffer> {
  const encoding = headerValue(headers, 'content-encoding')?.trim().toLowerCase() ?? 'identity';
  const length = Number(headerValue(headers, 'content-length'));
  if ((encoding === 'identity' || encoding === '') && Number.isFinite(length) && length > maxBytes) {
    throw tooLarge(maxBytes, length);
  }
  const decoder = makeDecoder(encoding);
  if (!decoder) return collect(body, maxBytes);
  // pipeline destroys both ends when either fails or when collect stops early.
  pipeline(body, decoder, () => undefined);
  try {
    return await collect(decoder, maxBytes);
  } finally {
    decoder.destroy();
  }
}

function makeDecoder(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'identity':
    case '':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new FetchFailure('bad_encoding', { detail: `unsupported Content-Encoding ${encoding}` });
  }
}

async function collect(stream: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(maxBytes, total);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

function tooLarge(maxBytes: number, seen: number): FetchFailure {
  return new FetchFailure('too_large', { detail: `body over ${maxBytes} bytes (at least ${seen})`, bytes: seen });
}

/** A header's value (the first one when repeated). */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a header, repeated headers included. */
export function headerValues(headers: ResponseHeaders, name: string): string[] {
  const v = headers[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The media type of a Content-Type, lower-cased, without parameters (`text/html`). */
export function mediaType(headers: ResponseHeaders): string | undefined {
  const v = headerValue(headers, 'content-type');
  if (v === undefined) return undefined;
  const type = v.split(';')[0]?.trim().toLowerCase();
  return type === '' ? undefined : type;
}
