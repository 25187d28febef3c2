import { FetchFailure } from './failure.js';
import { headerValue, mediaType, type HttpClient, type ResponseHeaders } from './http.js';
import { normalizeUrl } from '../../html/url.js';

/**
 * A GET that follows redirects (at most `maxRedirects`, loops detected, each hop cleared by
 * `beforeRequest`: robots.txt and politeness for its host), retries transient failures with
 * exponential backoff, turns 429/503 into a host backoff, and checks the content type before
 * reading a capped body.
 */

export interface FetchSpec {
  url: string;
  accept: string;
  maxBytes: number;
  /** Validators of the stored copy: the first request becomes conditional, and a 304 is a success. */
  etag?: string | null;
  lastModified?: string | null;
  /** A failure reason when the media type (undefined: no Content-Type) is not wanted, else null. */
  checkType(type: string | undefined): string | null;
}

export interface Fetched {
  status: number;
  /** The URL the body came from, after redirects. */
  url: string;
  headers: ResponseHeaders;
  /** Empty for a 304. */
  body: Buffer;
  /** HTTP requests made, retries and redirects included. */
  attempts: number;
}

export interface FetchPolicy {
  maxRedirects: number;
  retries: number;
  retryBaseDelayMs: number;
  defaultRetryAfterMs: number;
  maxRetryAfterMs: number;
}

/**
 * Called before every request after the first one of a fetch (redirect hops and retries): it
 * waits for the host's turn and throws `robots_disallowed`. It returns what releases the turn.
 */
export type BeforeRequest = (url: string, ownerUrl: string, signal: AbortSignal) => Promise<() => void>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const TRANSIENT_STATUS = new Set([408, 500, 502, 504]);

export class Fetcher {
  constructor(
    private readonly http: HttpClient,
    private readonly policy: FetchPolicy,
    private readonly beforeRequest: BeforeRequest,
  ) {}

  async fetch(spec: FetchSpec, signal: AbortSignal): Promise<Fetched> {
    let attempts = 0;
    for (let retry = 0; ; retry++) {
      try {
        const fetched = await this.followRedirects(spec, signal, retry > 0, () => ++attempts);
        return { ...fetched, attempts };
      } catch (err) {
        if (!(err instanceof FetchFailure) || !err.transient || retry >= this.policy.retries || signal.aborted) {
          throw withAttempts(err, attempts);
        }
        await sleep(this.policy.retryBaseDelayMs * 2 ** retry, signal);
      }
    }
  }

  private async followRedirects(spec: FetchSpec, signal: AbortSignal, isRetry: boolean, count: () => number): Promise<Fetched> {
    const seen = new Set<string>();
    let url = spec.url;
    for (let hop = 0; ; hop++) {
      seen.add(url);
      const conditional = hop === 0 ? validators(spec) : {};
      const release = hop > 0 || isRetry ? await this.beforeRequest(url, spec.url, signal) : () => undefined;
      try {
        count();
        const res = await this.http.open(url, { accept: spec.accept, ...conditional }, signal);
        const next = REDIRECTS.has(res.status) ? headerValue(res.headers, 'location') : undefined;
        if (next === undefined) return await this.finish(spec, url, res, hop === 0 && Object.keys(conditional).length > 0);
        res.discard();
        const target = normalizeUrl(next, url);
        if (target === undefined) throw new FetchFailure('bad_redirect', { httpStatus: res.status, detail: next });
        if (seen.has(target)) throw new FetchFailure('redirect_loop', { httpStatus: res.status, detail: target });
        if (hop + 1 > this.policy.maxRedirects) throw new FetchFailure('too_many_redirects', { httpStatus: res.status });
        url = target;
      } finally {
        release();
      }
    }
  }

  private async finish(
    spec: FetchSpec,
    url: string,
    res: Awaited<ReturnType<HttpClient['open']>>,
    wasConditional: boolean,
  ): Promise<Fetched> {
    const { status, headers } = res;
    if (status === 304 && wasConditional) {
      res.discard();
      return { status, url, headers, body: Buffer.alloc(0), attempts: 0 };
    }
    if (status < 200 || status > 299) {
      res.discard();
      throw this.statusFailure(url, status, headers);
    }
    const typeProblem = spec.checkType(mediaType(headers));
    if (typeProblem !== null) {
      res.discard();
      throw new FetchFailure(typeProblem, { httpStatus: status, detail: headerValue(headers, 'content-type') });
    }
    const body = await res.read(spec.maxBytes).catch((err: unknown) => {
      if (err instanceof FetchFailure) throw new FetchFailure(err.reason, { ...err.options, httpStatus: status });
      throw err;
    });
    return { status, url, headers, body, attempts: 0 };
  }

  private statusFailure(url: string, status: number, headers: ResponseHeaders): FetchFailure {
    const reason = `http_${status}`;
    if (status === 429 || status === 503) {
      const ms = retryAfterMs(headerValue(headers, 'retry-after'), this.policy.defaultRetryAfterMs, this.policy.maxRetryAfterMs);
      return new FetchFailure(reason, { httpStatus: status, backoff: { host: new URL(url).host, ms } });
    }
    return new FetchFailure(reason, { httpStatus: status, transient: TRANSIENT_STATUS.has(status) });
  }
}

function validators(spec: FetchSpec): Record<string, string> {
  const headers: Record<string, string> = {};
  if (spec.etag) headers['if-none-match'] = spec.etag;
  if (spec.lastModified) headers['if-modified-since'] = spec.lastModified;
  return headers;
}

function withAttempts(err: unknown, attempts: number): unknown {
  return err instanceof FetchFailure ? new FetchFailure(err.reason, { ...err.options, attempts }) : err;
}

/** Retry-After as seconds or an HTTP date, capped; the default when absent or unreadable. */
export function retryAfterMs(value: string | undefined, defaultMs: number, maxMs: number, now = Date.now()): number {
  if (value === undefined || value.trim() === '') return Math.min(defaultMs, maxMs);
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    ms = Number.isNaN(at) ? defaultMs : at - now;
  }
  return Math.min(Math.max(0, ms), maxMs);
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
