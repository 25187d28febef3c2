import type { ClaimedImage } from '../../store/crawl.js';
import { sha256Hex } from '../../util/hash.js';
import { FetchFailure } from './failure.js';
import { headerValue, headerValues } from './http.js';
import { probeImage } from './probe.js';
import { formatOptOut, parseRobotsDirectives } from '../../html/robots-directives.js';
import type { Runtime } from './runtime.js';

/**
 * One image URL: fetch (conditional when its bytes are stored), refuse an opt-out, hash, probe
 * with sharp, then store the bytes by sha256 (temp file, rename) and record the row. Bytes of
 * an image that fails are never written. A failure is thrown as a FetchFailure for the
 * scheduler to record.
 */

/** Types a server may put on image bytes; anything else (text/html error pages, JSON) is `not_image`. */
function checkImageType(type: string | undefined): string | null {
  if (type === undefined || type.startsWith('image/')) return null;
  if (type === 'application/octet-stream' || type === 'binary/octet-stream' || type === 'application/binary') return null;
  return 'not_image';
}

export async function crawlImage(rt: Runtime, item: ClaimedImage): Promise<void> {
  const stored = item.sha256 !== null && rt.images.has(item.sha256);
  const fetched = await rt.fetcher.fetch(
    {
      url: item.url,
      accept: 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.5',
      maxBytes: rt.config.maxImageBytes,
      etag: stored ? item.etag : null,
      lastModified: stored ? item.last_modified : null,
      checkType: checkImageType,
    },
    rt.signal,
  );
  const attempts = item.attempts + fetched.attempts;
  if (fetched.status === 304) {
    const now = Date.now();
    rt.writer.add(() => rt.store.recordImageNotModified(item.id, attempts, now));
    rt.counters.imagesFetched += 1;
    return;
  }
  rt.counters.bytes += fetched.body.length;
  const optOut = formatOptOut(parseRobotsDirectives(headerValues(fetched.headers, 'x-robots-tag')));
  if (optOut !== null) {
    throw new FetchFailure('opt_out', { httpStatus: fetched.status, optOut, attempts: fetched.attempts, bytes: fetched.body.length, detail: optOut });
  }
  const sha256 = sha256Hex(fetched.body);
  const probe = await probeImage(fetched.body, { maxPixels: rt.config.maxImagePixels, check: rt.config.imageCheck }).catch(
    (err: unknown) => {
      const f = err as FetchFailure;
      throw new FetchFailure(f.reason, { ...f.options, httpStatus: fetched.status, attempts: fetched.attempts, bytes: fetched.body.length });
    },
  );
  await rt.images.put(sha256, fetched.body);
  const result = {
    httpStatus: fetched.status,
    sha256,
    bytes: fetched.body.length,
    ...probe,
    contentType: headerValue(fetched.headers, 'content-type') ?? null,
    etag: headerValue(fetched.headers, 'etag') ?? null,
    lastModified: headerValue(fetched.headers, 'last-modified') ?? null,
    attempts,
  };
  const now = Date.now();
  rt.writer.add(() => rt.store.recordImageOk(item.id, result, now));
  rt.counters.imagesFetched += 1;
}
