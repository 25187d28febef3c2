/**
 * Training-step throughput per backend. Run: `npx tsx bench/train.ts` (options below).
 *
 * Same model, same batch, one process: the trainer's own DualEncoder, FlatAdam and trainStep
 * (src/stages/train/) with preset `small` (EfficientNet-style tower at 64 px, 2-layer BERT-style
 * text tower, 4096-token vocabulary), batch 64, captions of 16 tokens (12 words + padding).
 * For each backend: samples/s of a whole step (forward, backward, Adam update), by wall clock
 * and by process CPU time (the machine may be shared; CPU time is what one core spent), the
 * step's GFLOP/s (dense arithmetic counted analytically, see bench/train-tally.ts), the kernels
 * that took the most time, and the wasm/cpu ratio. Native backends are reported as unavailable
 * when their packages are not installed.
 *
 * Then each gradient kernel this project composes is replayed at the shapes one wasm step used:
 * cpu's own kernel vs our composition on cpu, and our composition on wasm. That table is why
 * the cpu backend gets only some of the compositions (src/stages/train/kernels/index.ts). A cpu
 * kernel of its own that takes over 20 s for one call is timed once and multiplied by its calls.
 *
 * Each backend runs in its own child process (its peak RSS is its own; cpu with its own kernels
 * only, `--cpu-own-kernels`, needs a fresh registry). cpu's own UnsortedSegmentSum alone takes
 * minutes per step, so that run is off by default.
 *
 * Options: --preset NAME (small) --batch N (64) --tokens N (16) --wasm-steps N (5)
 *          --cpu-steps N (1; 0 skips cpu) --cpu-own-kernels --top N (12 kernels shown)
 *          --by-shape (one row per kernel and input shapes) --no-replay
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { TrainConfigSchema } from '../src/config/train.js';
import { selectBackend, tf, type BackendRequest } from '../src/stages/train/backend.js';
import type { Batch } from '../src/stages/train/batches.js';
import { COMPOSED_KERNELS, KERNELS_BY_BACKEND, composedKernelConfig, originalKernel } from '../src/stages/train/kernels/index.js';
import { DualEncoder } from '../src/stages/train/model.js';
import { FlatAdam } from '../src/stages/train/optimizer.js';
import { resolveModelSpec } from '../src/stages/train/presets.js';
import { trainStep } from '../src/stages/train/step.js';
import { recordedCalls, resetTally, stopRecording, tallyByShape, tallyRows, wrapKernels, type RecordedCall, type TallyRow } from './train-tally.js';

function option(name: string, fallback: number | string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : String(fallback);
}

const PRESET = option('preset', 'small');
const BATCH = Number(option('batch', 64));
const TOKENS = Number(option('tokens', 16));
const STEPS: Record<string, number> = { wasm: Number(option('wasm-steps', 5)), cpu: Number(option('cpu-steps', 1)) };
const TOP = Number(option('top', 12));
/** A cpu kernel of its own slower than this for one call is not replayed for its other calls. */
const REPLAY_ONCE_MS = 20_000;

type Variant = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' | 'cpu-own';

interface StepFigures {
  variant: Variant;
  backend: string;
  steps: number;
  wallMs: number;
  cpuMs: number;
  flops: number;
  kernels: TallyRow[];
  customKernels: string[];
}

function cpuNowMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function makeBatch(resolution: number): Batch {
  const images = new Float32Array(BATCH * resolution * resolution * 3);
  for (let i = 0; i < images.length; i++) images[i] = Math.sin(i * 0.37);
  const tokens = new Int32Array(BATCH * TOKENS);
  for (let i = 0; i < tokens.length; i++) tokens[i] = i % TOKENS < 12 ? 5 + ((i * 7919) % 4000) : 0;
  return { size: BATCH, images, tokens, length: TOKENS, captions: [] };
}

/** Timed training steps on one backend (in this process). */
async function benchVariant(variant: Variant): Promise<StepFigures> {
  const request: BackendRequest = variant === 'cpu-own' ? 'cpu' : variant;
  const info = await selectBackend(request, undefined, { customKernels: variant !== 'cpu-own' });
  wrapKernels(info.name);
  const config = TrainConfigSchema.parse({ model: { preset: PRESET } });
  const spec = resolveModelSpec(config.model, 4096, 64);
  const model = new DualEncoder({ spec, loss: config.loss, seed: 1 });
  const optimizer = new FlatAdam(config.optimizer, model.params.describe());
  const batch = makeBatch(spec.image.resolution);
  const steps = STEPS[info.name] ?? 1;
  if (info.name === 'wasm') trainStep(model, optimizer, batch, 1e-3); // warm-up: JIT, XNNPACK operators
  resetTally(info.name === 'wasm' ? COMPOSED_KERNELS : []);
  const wall = performance.now();
  const cpu = cpuNowMs();
  for (let i = 0; i < steps; i++) {
    trainStep(model, optimizer, batch, 1e-3);
    stopRecording(); // the replay table is of one step
  }
  const figures: StepFigures = {
    variant,
    backend: info.name,
    steps,
    wallMs: (performance.now() - wall) / steps,
    cpuMs: (cpuNowMs() - cpu) / steps,
    flops: tallyRows().reduce((s, r) => s + r.flops, 0) / steps,
    kernels: tallyRows(),
    customKernels: info.customKernels,
  };
  model.dispose();
  optimizer.dispose();
  return figures;
}

function printFigures(f: StepFigures): void {
  const perSecond = (ms: number) => ((BATCH * 1000) / ms).toFixed(2);
  const label = f.variant === 'cpu-own' ? 'cpu (its own kernels only)' : f.backend;
  console.log(
    `\n${label}: ${f.steps} step(s) of ${BATCH}: ${f.wallMs.toFixed(0)} ms wall (${perSecond(f.wallMs)} samples/s), ` +
      `${f.cpuMs.toFixed(0)} ms CPU (${perSecond(f.cpuMs)} samples/s); ` +
      `${(f.flops / 1e9).toFixed(2)} GFLOP/step → ${(f.flops / f.wallMs / 1e6).toFixed(2)} GFLOP/s wall, ` +
      `${(f.flops / f.cpuMs / 1e6).toFixed(2)} GFLOP/s CPU`,
  );
  console.log(`  composed kernels registered: ${f.customKernels.join(', ') || 'none'}`);
  const total = f.kernels.reduce((s, r) => s + r.cpuMs, 0) / f.steps;
  const calls = f.kernels.reduce((s, r) => s + r.calls, 0) / f.steps;
  console.log(`  kernels: ${total.toFixed(0)} ms CPU per step in ${calls} calls (the rest is the engine and JS); top:`);
  for (const r of f.kernels.slice(0, TOP)) {
    const gflops = r.flops > 0 ? `${(r.flops / r.cpuMs / 1e6).toFixed(2)} GFLOP/s` : '';
    console.log(`    ${r.kernel.padEnd(36)} ${(r.cpuMs / f.steps).toFixed(1).padStart(8)} ms ${String(r.calls / f.steps).padStart(5)} calls  ${gflops}`);
  }
}

/** One recorded call, replayed with random data on a backend: its own kernel or our composition. */
function replay(call: RecordedCall, backendName: string, own: boolean, reps: number): number {
  const backend = tf.findBackend(backendName);
  const config = own ? originalKernel(call.kernel, backendName) : composedKernelConfig(call.kernel, backendName);
  if (config === undefined) return NaN;
  const infos: Record<string, tf.TensorInfo> = {};
  const segments = Math.max(1, Number(call.attrs['numSegments'] ?? 1));
  for (const [name, { shape, dtype }] of Object.entries(call.inputs)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = dtype === 'int32' ? new Int32Array(n).map((_, i) => i % segments) : new Float32Array(n).map(() => Math.random() - 0.5);
    infos[name] = { dataId: backend.write(values, shape, dtype), shape, dtype };
  }
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const start = cpuNowMs();
    const out = config.kernelFunc({ inputs: infos, backend, attrs: call.attrs as tf.NamedAttrMap });
    for (const o of Array.isArray(out) ? out : [out]) backend.disposeData(o.dataId);
    best = Math.min(best, cpuNowMs() - start);
  }
  for (const info of Object.values(infos)) backend.disposeData(info.dataId);
  return best;
}

/** Sum over calls; a call slower than REPLAY_ONCE_MS stands in for the rest ("~"). */
function replayAll(calls: RecordedCall[], backendName: string, own: boolean, reps: number): string {
  let total = 0;
  for (const [i, call] of calls.entries()) {
    const ms = replay(call, backendName, own, reps);
    total += ms;
    if (ms > REPLAY_ONCE_MS && i < calls.length - 1) return `~${((total / (i + 1)) * calls.length).toFixed(0)}`;
  }
  return Number.isNaN(total) ? '-' : total.toFixed(1);
}

async function printReplay(calls: RecordedCall[]): Promise<void> {
  await selectBackend('cpu', undefined, { customKernels: false });
  console.log('\ncomposed kernels at the shapes of one wasm step, summed over its calls (ms CPU):');
  console.log(`  ${'kernel'.padEnd(36)} ${'calls'.padStart(5)} ${'cpu own'.padStart(9)} ${'cpu ours'.padStart(9)} ${'wasm ours'.padStart(9)}  cpu uses`);
  const byKernel = new Map<string, RecordedCall[]>();
  for (const c of calls) byKernel.set(c.kernel, [...(byKernel.get(c.kernel) ?? []), c]);
  for (const [kernel, list] of byKernel) {
    const cells = [replayAll(list, 'cpu', true, 1), replayAll(list, 'cpu', false, 1), replayAll(list, 'wasm', false, 2)];
    const used = KERNELS_BY_BACKEND['cpu']!.includes(kernel) ? 'ours' : 'own';
    console.log(`  ${kernel.padEnd(36)} ${String(list.length).padStart(5)} ${cells.map((c) => c.padStart(9)).join(' ')}  ${used}`);
  }
}

/** Child process: one variant, its tables on stdout, its figures to the parent. */
async function runChild(variant: Variant): Promise<void> {
  tallyByShape(process.argv.includes('--by-shape'));
  let result: StepFigures | { variant: Variant; error: string };
  let maxRssKb = 0;
  try {
    result = await benchVariant(variant);
    maxRssKb = process.resourceUsage().maxRSS; // before the replay, which has cpu's own kernels allocate far more
    printFigures(result);
    if (variant === 'wasm' && !process.argv.includes('--no-replay')) await printReplay(recordedCalls());
  } catch (err) {
    result = { variant, error: (err as Error).message };
  }
  process.send?.({ ...result, kernels: [], maxRssKb });
}

function runInChild(variant: Variant): Promise<(StepFigures & { maxRssKb: number }) | { variant: Variant; error: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(process.argv[1]!, [...process.argv.slice(2), '--child', variant], { execArgv: process.execArgv });
    let message: unknown;
    child.on('message', (m) => (message = m));
    child.on('error', reject);
    child.on('exit', (code) => (message ? resolve(message as StepFigures & { maxRssKb: number }) : reject(new Error(`${variant} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`bench/train: preset ${PRESET}, batch ${BATCH}, ${TOKENS} tokens; load average ${load()}`);
  const variants: Variant[] = ['tensorflow-gpu', 'tensorflow'];
  if (STEPS['wasm']! > 0) variants.push('wasm');
  if (STEPS['cpu']! > 0) variants.push('cpu', ...(process.argv.includes('--cpu-own-kernels') ? (['cpu-own'] as const) : []));
  const results = new Map<Variant, StepFigures>();
  for (const variant of variants) {
    const result = await runInChild(variant);
    if ('error' in result) console.log(`\n${variant}: unavailable (${result.error})`);
    else {
      results.set(variant, result);
      console.log(`  peak RSS of the ${variant} process over its steps: ${(result.maxRssKb / 1024).toFixed(0)} MB`);
    }
  }
  const wasm = results.get('wasm');
  for (const variant of ['cpu', 'cpu-own'] as const) {
    const cpu = results.get(variant);
    if (!wasm || !cpu) continue;
    const which = variant === 'cpu' ? 'cpu with our kernels' : 'cpu with its own kernels';
    console.log(`\nwasm vs ${which}: ${(cpu.wallMs / wasm.wallMs).toFixed(1)}× by wall clock, ${(cpu.cpuMs / wasm.cpuMs).toFixed(1)}× by CPU time`);
  }
  console.log(`\nload average ${load()}`);
}

const child = option('child', '');
await (child ? runChild(child as Variant) : main());
