/**
 * Why a page or image failed, as a stored reason code (`http_404`, `timeout`, `too_large`, ...).
 * A FetchFailure is data, not a crash: the item is recorded with its reason and the run goes on.
 */
export class FetchFailure extends Error {
  constructor(
    readonly reason: string,
    readonly options: {
      /** Worth another try after a backoff (timeouts, resets, 5xx). */
      transient?: boolean;
      httpStatus?: number | null;
      /** 429/503: the host to back off and for how long. */
      backoff?: { host: string; ms: number };
      bytes?: number | null;
      /** HTTP requests made by this fetch before giving up. */
      attempts?: number;
      /** An image response that opted out (X-Robots-Tag noai / noimageai). */
      optOut?: string | null;
      detail?: string;
    } = {},
  ) {
    super(options.detail ? `${reason}: ${options.detail}` : reason);
    this.name = 'FetchFailure';
  }

  get transient(): boolean {
    return this.options.transient ?? false;
  }

  get httpStatus(): number | null {
    return this.options.httpStatus ?? null;
  }
}

const BY_CODE: Record<string, { reason: string; transient: boolean }> = {
  UND_ERR_CONNECT_TIMEOUT: { reason: 'timeout', transient: true },
  UND_ERR_HEADERS_TIMEOUT: { reason: 'timeout', transient: true },
  UND_ERR_BODY_TIMEOUT: { reason: 'timeout', transient: true },
  ETIMEDOUT: { reason: 'timeout', transient: true },
  ECONNREFUSED: { reason: 'connect_failed', transient: true },
  EHOSTUNREACH: { reason: 'connect_failed', transient: true },
  ENETUNREACH: { reason: 'connect_failed', transient: true },
  ENOTFOUND: { reason: 'dns_failed', transient: false },
  EAI_AGAIN: { reason: 'dns_failed', transient: true },
  ECONNRESET: { reason: 'connection_reset', transient: true },
  EPIPE: { reason: 'connection_reset', transient: true },
  UND_ERR_SOCKET: { reason: 'connection_reset', transient: true },
  UND_ERR_CLOSED: { reason: 'connection_reset', transient: true },
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { reason: 'truncated', transient: true },
  UND_ERR_INVALID_ARG: { reason: 'bad_url', transient: false },
  Z_DATA_ERROR: { reason: 'bad_encoding', transient: false },
  Z_BUF_ERROR: { reason: 'bad_encoding', transient: false },
  ERR_BROTLI_DECOMPRESSION_FAILED: { reason: 'bad_encoding', transient: false },
};

/** A failure of the data directory itself (SQLite, or a file system call): it stops the run. */
export { isStorageError } from '../../util/storage-error.js';

/** Maps whatever undici, net or zlib threw to a FetchFailure (walking `cause` chains). */
export function classifyError(err: unknown): FetchFailure {
  if (err instanceof FetchFailure) return err;
  // Duck-typed like isStorageError: a core error may come from another realm.
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as Error).cause, depth++) {
    const { code, message } = e as NodeJS.ErrnoException;
    const known = code === undefined ? undefined : BY_CODE[code];
    if (known) return new FetchFailure(known.reason, { transient: known.transient, detail: message });
    if (code?.startsWith('ERR_BROTLI') || code?.startsWith('Z_')) return new FetchFailure('bad_encoding', { detail: message });
  }
  return new FetchFailure('fetch_failed', { detail: (err as Error | undefined)?.message ?? String(err) });
}
