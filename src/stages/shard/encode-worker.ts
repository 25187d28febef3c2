/**
 * One encoder process of the shard stage (encode-pool.ts forks it): encodes the images its
 * parent sends, one at a time, in the order sent, and sends each result back.
 *
 * Messages in: `{ type: 'encode', id, path, options }`, `{ type: 'stats' }`.
 * Messages out: `{ type: 'ready' }` once, `{ type: 'done', id, result }` per image,
 * `{ type: 'stats', peakRssKB }` when asked.
 * It exits when its parent closes the channel (or dies); Ctrl-C is the parent's to handle.
 */
import { type EncodeOptions, type EncodeResult, encodeImage, setUpEncoder } from './encode.js';

export type ToWorker = { type: 'encode'; id: number; path: string; options: EncodeOptions } | { type: 'stats' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: EncodeResult }
  | { type: 'stats'; peakRssKB: number };

setUpEncoder();

const send = (m: FromWorker): void => {
  process.send?.(m);
};
const queue: Extract<ToWorker, { type: 'encode' }>[] = [];
let busy = false;

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
    send({ type: 'done', id: job.id, result: await encodeImage(job.path, job.options) });
  }
  busy = false;
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'stats') send({ type: 'stats', peakRssKB: process.resourceUsage().maxRSS });
  else {
    queue.push(m);
    void drain();
  }
});
process.on('disconnect', () => process.exit(0));
// The terminal's Ctrl-C reaches the whole process group: the parent decides what stops.
process.on('SIGINT', () => undefined);
send({ type: 'ready' });
