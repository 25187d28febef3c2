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
 * Then each gradient kernel this project composes is replayed at the shapes the step used:
 * cpu's own kernel vs our composition on cpu, and our composition on wasm. That table is why
 * the cpu backend gets only some of the compositions (src/stages/train/kernels/index.ts).
 *
 * Options: --preset NAME (small) --batch N (64) --tokens N (16) --wasm-steps N (5)
 *          --cpu-steps N (1; 0 skips cpu) --top N (12 kernels shown) --by-shape (one row per kernel
 *          and input shapes) --no-replay
 */
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

interface StepFigures {
  backend: string;
  steps: number;
  wallMs: number;
  cpuMs: number;
  flops: number;
  kernels: TallyRow[];
  customKernels: string[];
}

const cpuNowMs = (): number => (process.cpuUsage().user + process.cpuUsage().system) / 1000;

function makeBatch(resolution: number): Batch {
  const images = new Float32Array(BATCH * resolution * resolution * 3);
  for (let i = 0; i < images.length; i++) images[i] = Math.sin(i * 0.37);
  const tokens = new Int32Array(BATCH * TOKENS);
  for (let i = 0; i < tokens.length; i++) tokens[i] = i % TOKENS < 12 ? 5 + ((i * 7919) % 4000) : 0;
  return { size: BATCH, images, tokens, length: TOKENS, captions: [] };
}

async function benchBackend(backend: BackendRequest): Promise<StepFigures | string> {
  let info;
  try {
    info = await selectBackend(backend);
  } catch (err) {
    return (err as Error).message;
  }
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
  console.log(
    `\n${f.backend}: ${f.steps} step(s) of ${BATCH}: ${f.wallMs.toFixed(0)} ms wall (${perSecond(f.wallMs)} samples/s), ` +
      `${f.cpuMs.toFixed(0)} ms CPU (${perSecond(f.cpuMs)} samples/s), ` +
      `${(f.flops / 1e9).toFixed(2)} GFLOP/step → ${(f.flops / f.wallMs / 1e6).toFixed(2)} GFLOP/s wall, ` +
      `${(f.flops / f.cpuMs / 1e6).toFixed(2)} GFLOP/s CPU`,
  );
  console.log(`  composed kernels registered: ${f.customKernels.join(', ') || 'none'}`);
  const total = f.kernels.reduce((s, r) => s + r.cpuMs, 0) / f.steps;
  console.log(`  kernels: ${(total).toFixed(0)} ms CPU per step in ${f.kernels.reduce((s, r) => s + r.calls, 0) / f.steps} calls; top:`);
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
  for (const [name, { shape, dtype }] of Object.entries(call.inputs)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = dtype === 'int32' ? new Int32Array(n).map((_, i) => i % Math.max(1, Number(call.attrs['numSegments'] ?? 1))) : new Float32Array(n).map(() => Math.random() - 0.5);
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

function printReplay(calls: RecordedCall[]): void {
  console.log('\ncomposed kernels at the shapes of one wasm step, summed over its calls (ms CPU; wasm best of 2):');
  console.log(`  ${'kernel'.padEnd(36)} ${'calls'.padStart(5)} ${'cpu own'.padStart(9)} ${'cpu ours'.padStart(9)} ${'wasm ours'.padStart(9)}  on cpu`);
  const byKernel = new Map<string, RecordedCall[]>();
  for (const c of calls) byKernel.set(c.kernel, [...(byKernel.get(c.kernel) ?? []), c]);
  for (const [kernel, list] of byKernel) {
    if (!tf.getKernel(kernel, 'cpu') || !list.every((c) => Object.values(c.inputs).every((i) => i.dtype !== 'string'))) continue;
    const sum = (f: (c: RecordedCall) => number) => list.reduce((s, c) => s + f(c), 0);
    const cpuOwn = sum((c) => replay(c, 'cpu', true, 1));
    const cpuOurs = sum((c) => replay(c, 'cpu', false, 1));
    const wasmOurs = sum((c) => replay(c, 'wasm', false, 2));
    const used = KERNELS_BY_BACKEND['cpu']!.includes(kernel) ? 'ours' : 'own';
    const fmt = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(1)).padStart(9);
    console.log(`  ${kernel.padEnd(36)} ${String(list.length).padStart(5)} ${fmt(cpuOwn)} ${fmt(cpuOurs)} ${fmt(wasmOurs)}  ${used}`);
  }
}

async function main(): Promise<void> {
  tallyByShape(process.argv.includes('--by-shape'));
  console.log(`bench/train: preset ${PRESET}, batch ${BATCH}, ${TOKENS} tokens; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const results = new Map<string, StepFigures>();
  let wasmCalls: RecordedCall[] = [];
  for (const backend of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const) {
    if (STEPS[backend] === 0) continue;
    const figures = await benchBackend(backend);
    if (typeof figures === 'string') {
      console.log(`\n${backend}: unavailable (${figures})`);
      continue;
    }
    if (figures.backend === 'wasm') wasmCalls = recordedCalls();
    results.set(figures.backend, figures);
    printFigures(figures);
  }
  const wasm = results.get('wasm');
  const cpu = results.get('cpu');
  if (wasm && cpu) {
    console.log(`\nwasm/cpu: ${(cpu.wallMs / wasm.wallMs).toFixed(1)}× by wall clock, ${(cpu.cpuMs / wasm.cpuMs).toFixed(1)}× by CPU time`);
  }
  if (!process.argv.includes('--no-replay') && wasmCalls.length > 0) {
    await selectBackend('cpu');
    printReplay(wasmCalls);
  }
  console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
