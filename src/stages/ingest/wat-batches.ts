import { Worker } from 'node:worker_threads';
import { singleRecord } from './warc-head.js';
import type { MemberExtractor } from './warc-records.js';
import { watPayloadToUnit } from './wat.js';
import type { WatAnswer, WatBatch } from './wat-worker.js';
import type { SourceUnit } from './types.js';

/**
 * WAT extraction on a second thread. Inflating a member and parsing its JSON each cost about as
 * much as a bare gunzip of it, so the main thread inflates and reads the record head while a
 * worker (wat-worker.ts) decodes and parses the payloads that hold an image link, in batches.
 * Units still come out in file order with their own resume offsets (warc-records.ts takes each
 * in turn).
 *
 * The main thread never waits for the worker: before the worker has loaded (tens of milliseconds
 * compiled, longer under tsx), while it has MAX_IN_FLIGHT batches out, and when the reader needs
 * a unit whose batch the worker has not answered yet (a busy machine: flush() takes that batch
 * back and parses it here), payloads are parsed on the main thread. So a second core speeds
 * extraction up, and without one it runs about as fast as on one thread. Batch buffers go back
 * and forth, so memory stays flat. Members that are not one plain record answer undefined and go
 * through warcio on the main thread, as before; records without an image link answer at once.
 */

/** A batch is sent once it holds this many payloads or bytes. */
const BATCH_RECORDS = 128;
const BATCH_BYTES = 1 << 20;
/** Batches out at once; a batch starts only while fewer are out. */
const MAX_IN_FLIGHT = 2;

interface Waiting {
  position: number;
  resolve: (unit: SourceUnit) => void;
  reject: (err: Error) => void;
}

interface Batch {
  id: number;
  /** Views of the members' payloads, kept until the batch is answered (or taken back). */
  payloads: Buffer[];
  bytes: number;
  waiting: Waiting[];
}

export class WatBatches implements MemberExtractor {
  private readonly worker: Worker;
  private filling: Batch | undefined;
  /** Batches sent and not answered, oldest first. */
  private out: Batch[] = [];
  /** Buffers the worker handed back, for the next batches. */
  private spare: Buffer[] = [];
  private nextId = 0;
  private failed: Error | undefined;
  private ready = false;
  /** Resolves once the worker has loaded: from then on payloads with an image link go to it. */
  readonly loaded: Promise<void>;

  constructor() {
    this.worker = startWorker();
    let loaded: () => void;
    this.loaded = new Promise((resolve) => (loaded = resolve));
    this.worker.on('message', (reply: { id: number; answers: WatAnswer[]; bytes: Uint8Array } | 'ready') => {
      if (reply !== 'ready') return this.settle(reply);
      this.ready = true;
      loaded();
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the WAT extraction thread exited (${code})`)));
  }

  unit(data: Buffer, position: number): SourceUnit | Promise<SourceUnit> | undefined {
    const record = singleRecord(data);
    if (!record) return undefined;
    const unit: SourceUnit = { position, next: position, pairs: [], rejects: [] };
    // The worker's own first test, made here so that most records never travel.
    if (record.type !== 'metadata' || record.payload.indexOf('IMG@/src') < 0) return unit;
    if (this.failed || !this.ready || (!this.filling && this.out.length >= MAX_IN_FLIGHT)) return parseHere(record.payload, position);
    const batch = (this.filling ??= { id: this.nextId++, payloads: [], bytes: 0, waiting: [] });
    batch.payloads.push(record.payload);
    batch.bytes += record.payload.length;
    const promise = new Promise<SourceUnit>((resolve, reject) => batch.waiting.push({ position, resolve, reject }));
    if (batch.payloads.length >= BATCH_RECORDS || batch.bytes >= BATCH_BYTES) this.send();
    return promise;
  }

  /**
   * The reader is about to wait on a unit not answered yet: the oldest batch not answered holds
   * it. Rather than wait for the worker, parse that batch here (the worker's answer to it, if any
   * comes, is dropped).
   */
  flush(): void {
    const batch = this.out.shift() ?? this.filling;
    if (!batch) return;
    if (batch === this.filling) this.filling = undefined;
    batch.payloads.forEach((payload, i) => {
      const w = batch.waiting[i]!;
      try {
        w.resolve(watPayloadToUnit(payload, w.position));
      } catch (err) {
        w.reject(err as Error);
      }
    });
  }

  close(): void {
    this.worker.removeAllListeners();
    void this.worker.terminate();
  }

  private send(): void {
    const batch = this.filling!;
    this.filling = undefined;
    // A buffer of its own (never the shared pool), so it can be handed over without a copy.
    const reuse = this.spare.findIndex((b) => b.length >= batch.bytes);
    const bytes = reuse >= 0 ? this.spare.splice(reuse, 1)[0]! : Buffer.allocUnsafeSlow(Math.max(batch.bytes, BATCH_BYTES + (64 << 10)));
    const ends: number[] = [];
    let at = 0;
    for (const p of batch.payloads) {
      p.copy(bytes, at);
      ends.push((at += p.length));
    }
    this.out.push(batch);
    const message: WatBatch = { id: batch.id, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), ends };
    this.worker.postMessage(message, [bytes.buffer as ArrayBuffer]);
  }

  private settle(reply: { id: number; answers: WatAnswer[]; bytes: Uint8Array }): void {
    if (this.spare.length < MAX_IN_FLIGHT + 1) this.spare.push(Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.length));
    const at = this.out.findIndex((b) => b.id === reply.id);
    if (at < 0) return; // taken back by flush()
    const [batch] = this.out.splice(at, 1);
    reply.answers.forEach((a, i) => {
      const w = batch!.waiting[i]!;
      if ('error' in a) return w.reject(new Error(a.error));
      const { pageUrl, pageOptOut } = a;
      const pairs = a.urls.map((imageUrl, k) => ({ imageUrl, altRaw: a.alts[k]!, pageUrl, pageOptOut, columns: null }));
      w.resolve({ position: w.position, next: w.position, pairs, rejects: a.rejects });
    });
  }

  /** The worker failed: what it held is parsed here, and so is everything after. */
  private fail(err: Error): void {
    this.failed ??= err;
    while (this.out.length > 0 || this.filling) this.flush();
  }
}

/** A payload parsed on the main thread; what it throws comes back in order, as a rejected unit. */
function parseHere(payload: Buffer, position: number): SourceUnit | Promise<SourceUnit> {
  try {
    return watPayloadToUnit(payload, position);
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

/**
 * The worker from this module's sibling: compiled JavaScript as installed; under tsx or jest the
 * TypeScript source, through tsx's loader registered in the worker first (a dev dependency then).
 */
function startWorker(): Worker {
  const url = new URL(import.meta.url.endsWith('.ts') ? './wat-worker.ts' : './wat-worker.js', import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true });
}
