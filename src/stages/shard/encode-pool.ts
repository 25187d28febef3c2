import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlignError } from '../../errors.js';
import type { EncodeOptions, EncodeResult } from './encode.js';
import type { FromWorker, ToWorker } from './encode-worker.js';

/** A crash is charged to the image its process was encoding; an image that kills two processes is skipped. */
const TRIES = 2;
/**
 * Images handed to a process at once: it encodes them one at a time, in order, and the second
 * waits in its own queue, so the process never idles while the parent (busy writing a shard)
 * has not yet read a result and sent the next image.
 */
const PER_PROCESS = 2;
/**
 * Images a process encodes before a fresh one takes its place. A process's resident memory
 * creeps up as it goes (glibc's heap fragments under libvips's buffers of every size: about
 * 107 MB after 3,000 images, 134 MB after 10,000), so each is replaced while small; starting one
 * costs about 0.12 s of CPU, 0.03 ms an image at this rate.
 */
export const IMAGES_PER_PROCESS = 4000;
/** Processes that die before they are ready, in a row, before the pool gives up. */
const START_FAILURES = 3;

interface Job {
  id: number;
  path: string;
  tries: number;
  resolve(result: EncodeResult): void;
  reject(err: Error): void;
}

interface Worker {
  child: ChildProcess;
  /** The pool's place this process holds (a replacement takes its predecessor's). */
  slot: number;
  /** Images it has finished. */
  done: number;
  ready: boolean;
  /** Handed to the process, in the order it encodes them: the first is the one in progress. */
  jobs: Job[];
  /** Waiting for the process's answer to `stats` (its peak resident memory). */
  onStats: ((peakRssKB: number) => void) | null;
}

export interface EncoderPoolOptions {
  processes: number;
  options: EncodeOptions;
  /** Images a process encodes before a fresh one replaces it. @default IMAGES_PER_PROCESS */
  imagesPerProcess?: number;
  /** Called when an image is handed to a process (its pid): tests watch it. */
  onDispatch?: (path: string, pid: number) => void;
  /** Called when a process died (the image it held is retried or skipped). */
  onCrash?: (message: string) => void;
}

export interface EncoderPoolStats {
  processes: number;
  /**
   * The processes' peak resident memory together: per place in the pool, the largest peak of the
   * processes that held it (they run side by side; one holding a place replaces the last). A
   * process that crashed reported none.
   */
  peakRssKB: number;
  /** Processes that died while running and were replaced. */
  crashes: number;
  /** Processes that finished their share of images (IMAGES_PER_PROCESS) and were replaced. */
  replaced: number;
}

/**
 * Encodes images in worker processes, one image at a time in each: the shard stage's encoder.
 *
 * Why processes: sharp's libvips pipelines share one process's allocator, locks and thread
 * hand-offs; N processes of one image each did the same images with about 4% less CPU than one
 * process with 2N images in flight on 2 cores, and kept the cores busier (1.96 of 2 against 1.88;
 * bench/shard-ablation.ts), as img2dataset's worker processes do. And a process that dies on an
 * image (a native crash in a decoder, the OOM killer) costs that image only: the image is tried
 * once more in a fresh process, and skipped with reason `encoder_crashed` if that process dies
 * too; the run goes on.
 */
export class EncoderPool {
  private readonly workers: Worker[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 0;
  private closing = false;
  private failedStarts = 0;
  private crashes = 0;
  private replaced = 0;
  private readonly slotPeakKB: number[];
  private readonly retiring = new Set<Promise<void>>();
  private fatal: Error | null = null;

  constructor(private readonly o: EncoderPoolOptions) {
    this.slotPeakKB = new Array<number>(o.processes).fill(0);
    for (let i = 0; i < o.processes; i++) this.workers.push(this.spawn(i));
  }

  private get share(): number {
    return this.o.imagesPerProcess ?? IMAGES_PER_PROCESS;
  }

  /** Images the pool takes at once (more wait in its queue). */
  get capacity(): number {
    return this.o.processes * PER_PROCESS;
  }

  /** Encodes one stored image file; never rejects for a bad image (the result says why). */
  encode(path: string): Promise<EncodeResult> {
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, path, tries: 0, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every process (images still in hand are dropped: call it once the results are in); returns what they used. */
  async close(): Promise<EncoderPoolStats> {
    if (!this.closing) {
      this.closing = true;
      for (const job of this.waiting.splice(0)) job.reject(new Error('the shard encoder pool was closed'));
      await Promise.all([...this.workers.map((w) => this.end(w)), ...this.retiring]);
    }
    return { processes: this.o.processes, peakRssKB: this.slotPeakKB.reduce((a, b) => a + b, 0), crashes: this.crashes, replaced: this.replaced };
  }

  /** Asks a process for its peak memory, then closes its channel (it exits) and waits for the exit. */
  private async end(w: Worker): Promise<void> {
    if (!w.child.connected) return;
    const peak = await this.peakRss(w);
    this.slotPeakKB[w.slot] = Math.max(this.slotPeakKB[w.slot]!, peak);
    await new Promise<void>((done) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) return done();
      w.child.once('exit', () => done());
      w.child.disconnect();
    });
  }

  private spawn(slot: number): Worker {
    const { path, execArgv } = workerModule();
    const child = fork(path, [], { execArgv, env: workerEnv(), serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const w: Worker = { child, slot, done: 0, ready: false, jobs: [], onStats: null };
    child.on('message', (m: FromWorker) => this.onMessage(w, m));
    child.once('exit', (code, signal) => this.onExit(w, code, signal));
    child.on('error', () => undefined); // an 'exit' follows; sends to a dead process land here
    return w;
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (m.type === 'ready') {
      w.ready = true;
      this.failedStarts = 0;
      this.dispatch();
    } else if (m.type === 'done') {
      if (w.jobs[0]?.id !== m.id) return;
      const job = w.jobs.shift()!;
      w.done += 1;
      job.resolve(m.result.ok ? { ...m.result, data: asBuffer(m.result.data) } : m.result);
      if (w.done >= this.share && w.jobs.length === 0 && !this.closing) this.replace(w);
      this.dispatch();
    } else if (m.type === 'stats') {
      w.onStats?.(m.peakRssKB);
    }
  }

  /** A process that finished its share: a fresh one takes its place in the list now, and it ends. */
  private replace(w: Worker): void {
    this.workers.splice(this.workers.indexOf(w), 1, this.spawn(w.slot));
    this.replaced += 1;
    const ending = this.end(w).finally(() => this.retiring.delete(ending));
    this.retiring.add(ending);
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const at = this.workers.indexOf(w);
    if (at < 0) return; // replaced after its share, or already handled
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    this.workers.splice(at, 1);
    if (this.closing || this.fatal) {
      // Closed with images in hand (the run stopped on an error), or given up: nobody waits for them.
      for (const job of w.jobs.splice(0)) job.reject(this.fatal ?? new Error('the shard encoder pool was closed'));
      return;
    }
    if (!w.ready) {
      this.failedStarts += 1;
      if (this.failedStarts >= START_FAILURES) {
        this.fail(new AlignError('E_RUNTIME', `the shard encoder process could not start (${how}, ${START_FAILURES} times in a row)`, {
          hint: 'its error is printed above; run `npm run build` if align-data runs from a source checkout',
        }));
        return;
      }
    } else this.crashes += 1;
    // The first image was in progress: the crash is its. The others had not started.
    const [job, ...queued] = w.jobs;
    this.waiting.unshift(...queued);
    if (job) {
      job.tries += 1;
      if (job.tries >= TRIES) {
        job.resolve({ ok: false, reason: 'encoder_crashed', detail: `the encoder process died on this image ${TRIES} times (last: ${how})` });
      } else this.waiting.unshift(job);
      this.o.onCrash?.(`shard: an encoder process died (${how}) on ${job.path}; ${job.tries >= TRIES ? 'skipped' : 'trying it again in a new process'}`);
    }
    this.workers.splice(at, 0, this.spawn(w.slot));
  }

  private fail(err: Error): void {
    this.fatal = err;
    for (const job of this.waiting.splice(0)) job.reject(err);
    for (const w of this.workers) {
      for (const job of w.jobs.splice(0)) job.reject(err);
      w.child.kill();
    }
  }

  private dispatch(): void {
    // Fill the emptiest process first, so the first image of each goes out before any second.
    for (let depth = 0; depth < PER_PROCESS; depth++) {
      for (const w of this.workers) {
        if (this.waiting.length === 0) return;
        if (!w.ready || w.jobs.length > depth || !w.child.connected) continue;
        if (w.done + w.jobs.length >= this.share) continue; // its share is handed out
        const job = this.waiting.shift()!;
        w.jobs.push(job);
        w.child.send({ type: 'encode', id: job.id, path: job.path, options: this.o.options } satisfies ToWorker);
        this.o.onDispatch?.(job.path, w.child.pid!);
      }
    }
  }

  /** The process's peak resident memory, or 0 if it is gone before it answers. */
  private peakRss(w: Worker): Promise<number> {
    return new Promise((done) => {
      w.onStats = done;
      w.child.once('exit', () => done(0));
      w.child.send({ type: 'stats' } satisfies ToWorker, (err) => {
        if (err) done(0);
      });
    });
  }
}

/**
 * The parent's environment, plus glibc's malloc held to two arenas (unless the user set it):
 * libvips's threads otherwise each get an arena that keeps its freed image buffers, and the spread
 * costs time too: over 2,000 images 98 MB a process instead of 114, and 3% fewer CPU-seconds per
 * image (bench/shard-ablation.ts, the `arenas` row).
 */
function workerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
}

/** A Buffer over the bytes the channel delivered (structured clone may give a plain Uint8Array). */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * The worker's module: beside this one when compiled (dist/); from the TypeScript sources under
 * a TypeScript loader (tsx: the bench scripts), which the child inherits through execArgv;
 * otherwise (jest runs the sources without a loader a child could use) the compiled copy in
 * dist/, which `npm test` builds first.
 */
function workerModule(): { path: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const sibling = join(dirname(here), 'encode-worker.js');
  if (here.endsWith('.js')) return { path: sibling, execArgv: [] };
  const source = join(dirname(here), 'encode-worker.ts');
  if (process.execArgv.some((a) => a.includes('tsx'))) return { path: source, execArgv: process.execArgv };
  const root = resolve(dirname(here), '..', '..', '..');
  const built = join(root, 'dist', relative(root, sibling));
  if (existsSync(built)) return { path: built, execArgv: [] };
  throw new AlignError('E_RUNTIME', `no compiled shard encoder at ${built}`, { hint: 'run `npm run build` first' });
}
