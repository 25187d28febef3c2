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
 * Units still come out in file order with their own resume offsets (warc-records.ts waits on each
 * in turn), and at most a bounded number of batches is in flight, so memory stays flat.
 *
 * Until the worker has loaded (tens of milliseconds compiled, longer under tsx), and whenever it
 * has MAX_IN_FLIGHT batches out (a busy machine), payloads are parsed on the main thread, so the
 * main thread never idles for it and a small file never waits for it to start. Members that are not one plain
 * record answer undefined and go through warcio on the main thread, as before; records without an
 * image link answer at once.
 */

/** A batch is sent once it holds this many payloads or bytes. */
const BATCH_RECORDS = 128;
const BATCH_BYTES = 1 << 20;
/** Batches out at once; a batch starts only while fewer are out. */
const MAX_IN_FLIGHT = 2;

interface Waiting {
  unit: SourceUnit;
  resolve: (unit: SourceUnit) => void;
  reject: (err: Error) => void;
}

export class WatBatches implements MemberExtractor {
  private readonly worker: Worker;
  private payloads: Buffer[] = [];
  private bytes = 0;
  private waiting: Waiting[] = [];
  private readonly sent = new Map<number, Waiting[]>();
  private nextId = 0;
  private failed: Error | undefined;
  private ready = false;
  /** Resolves once the worker has loaded: from then on every payload with an image link goes to it. */
  readonly loaded: Promise<void>;

  constructor() {
    this.worker = startWorker();
    let loaded: () => void;
    this.loaded = new Promise((resolve) => (loaded = resolve));
    this.worker.on('message', (reply: { id: number; answers: WatAnswer[] } | 'ready') => {
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
    // The worker takes a new batch only while it keeps up; else the main thread parses (so it never idles waiting).
    if (!this.ready || (this.payloads.length === 0 && this.sent.size >= MAX_IN_FLIGHT)) return parseHere(record.payload, position);
    if (this.failed) return Promise.reject(this.failed);
    this.payloads.push(record.payload);
    this.bytes += record.payload.length;
    const promise = new Promise<SourceUnit>((resolve, reject) => this.waiting.push({ unit, resolve, reject }));
    if (this.payloads.length >= BATCH_RECORDS || this.bytes >= BATCH_BYTES) this.send();
    return promise;
  }

  /**
   * The reader is about to wait on the oldest unit it holds. While a batch is out, that unit is in
   * it or older, so nothing is sent; else the batch being filled goes now, however small.
   */
  flush(): void {
    if (this.payloads.length === 0 || this.sent.size > 0) return;
    this.send();
  }

  private send(): void {
    // A buffer of its own (never the shared pool), so it can be handed over without a copy.
    const bytes = Buffer.allocUnsafeSlow(this.bytes);
    const ends: number[] = [];
    let at = 0;
    for (const p of this.payloads) {
      p.copy(bytes, at);
      ends.push((at += p.length));
    }
    const id = this.nextId++;
    this.sent.set(id, this.waiting);
    const batch: WatBatch = { id, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), ends };
    this.worker.postMessage(batch, [bytes.buffer]);
    this.payloads = [];
    this.bytes = 0;
    this.waiting = [];
  }

  close(): void {
    this.worker.removeAllListeners();
    void this.worker.terminate();
  }

  private settle(reply: { id: number; answers: WatAnswer[] }): void {
    const waiting = this.sent.get(reply.id) ?? [];
    this.sent.delete(reply.id);
    reply.answers.forEach((a, i) => {
      const w = waiting[i]!;
      if ('error' in a) return w.reject(new Error(a.error));
      const { pageUrl, pageOptOut } = a;
      w.unit.pairs = a.urls.map((imageUrl, k) => ({ imageUrl, altRaw: a.alts[k]!, pageUrl, pageOptOut, columns: null }));
      w.unit.rejects = a.rejects;
      w.resolve(w.unit);
    });
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const waiting of [...this.sent.values(), this.waiting]) for (const w of waiting) w.reject(err);
    this.sent.clear();
    this.waiting = [];
    this.payloads = [];
    this.bytes = 0;
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
