/**
 * `classify`: zero-shot classification as CLIP and ALIGN do it. Each class's weight is built from
 * prompt templates: every template filled with the class name is embedded, each normalised, the
 * embeddings averaged and the mean normalised again; an image gets the class of highest cosine.
 * Inputs are image files (or folders of them) or shards; when a shard's samples carry a label
 * (a field of their .json, or a .cls member) the accuracy and per-class accuracy come too.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { AlignError } from '../../errors.js';
import type { StageContext } from '../../util/context.js';
import { packageRoot } from '../../util/version.js';
import { emptyCounts, streamSamples, type RawSample } from '../../webdataset/reader.js';
import { shardPaths } from './build-index.js';
import { dot, normalise, row, type VectorEncoder } from './vectors.js';

export interface ClassifyOptions {
  labels: readonly string[];
  templates: readonly string[];
  /** Image files or folders (searched recursively). */
  images?: readonly string[];
  /** Shards instead of files. */
  shards?: string;
  /** The .json field that holds a sample's label; without it a .cls member is used when present. */
  labelField?: string;
  /** Classes listed per prediction. @default 1 */
  top?: number;
  /** @default 32 */
  batchSize?: number;
}

export interface Prediction {
  key?: string;
  file?: string;
  label: string | null;
  score: number | null;
  top: [string, number][];
  /** The sample's own label, when the shards carry one. */
  truth?: string;
  error?: string;
}

export interface ClassifySummary {
  samples: number;
  predictions: Prediction[];
  accuracy?: number;
  perClass?: Record<string, { samples: number; accuracy: number }>;
  /** Images that did not decode (listed among the predictions with an error); absent when none. */
  failed?: number;
}

const IMAGE_EXTS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff']);

/** The named template set (`default`, `imagenet`) or a file of templates with `{}`, one a line. */
export function loadTemplates(spec: string): string[] {
  const builtin = join(packageRoot(), 'examples', 'templates', `${spec}.txt`);
  const file = /^[a-z]+$/.test(spec) && existsSync(builtin) ? builtin : spec;
  if (!existsSync(file)) throw new AlignError('E_USAGE', `--templates: no template set or file \`${spec}\``, { hint: 'use default, imagenet, or a file of lines with {}' });
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const bad = lines.find((l) => !l.includes('{}'));
  if (lines.length === 0 || bad !== undefined) {
    throw new AlignError('E_USAGE', `--templates: ${file}: ${bad === undefined ? 'no templates' : `the line \`${bad}\` has no {}`}`, { hint: 'each line is a template with {} where the class name goes' });
  }
  return lines;
}

/** Per class: every template embedded, each normalised, averaged, normalised again. Row-major. */
export async function classWeights(encoder: VectorEncoder, labels: readonly string[], templates: readonly string[]): Promise<Float32Array> {
  const dim = encoder.embedDim;
  const out = new Float32Array(labels.length * dim);
  for (const [c, label] of labels.entries()) {
    const texts = await encoder.embedTexts(templates.map((t) => t.replaceAll('{}', label)));
    const mean = new Float32Array(dim);
    for (let t = 0; t < templates.length; t++) {
      const v = normalise(row(texts, t, dim));
      for (let d = 0; d < dim; d++) mean[d] = (mean[d] as number) + (v[d] as number) / templates.length;
    }
    out.set(normalise(mean), c * dim);
  }
  return out;
}

export async function runClassify(encoder: VectorEncoder, options: ClassifyOptions, ctx: StageContext): Promise<ClassifySummary> {
  const weights = await classWeights(encoder, options.labels, options.templates);
  const predictions: Prediction[] = [];
  const judge = (vectors: Float32Array, ok: boolean[], items: Prediction[]): void => {
    items.forEach((p, i) => predictions.push(ok[i] ? { ...p, ...predict(weights, options.labels, row(vectors, i, encoder.embedDim), options.top ?? 1) } : { ...p, error: 'decode_failed' }));
    ctx.log.progress('classify', { samples: predictions.length });
  };
  for await (const batch of inputBatches(options, ctx)) {
    const { vectors, ok } = await encoder.embedImages(batch.map((b) => b.image));
    judge(vectors, ok, batch.map((b) => b.prediction));
    if (ctx.signal.aborted) break;
  }
  ctx.log.clearProgress();
  return summarise(predictions, options.labels);
}

function predict(weights: Float32Array, labels: readonly string[], v: Float32Array, top: number): Pick<Prediction, 'label' | 'score' | 'top'> {
  const scores = labels.map((l, c) => [l, round(dot(v, weights, c * v.length))] as [string, number]);
  const ranked = scores.sort((a, b) => b[1] - a[1]);
  const best = ranked[0] as [string, number];
  return { label: best[0], score: best[1], top: ranked.slice(0, Math.max(1, top)) };
}

type Input = { image: Buffer; prediction: Prediction };

async function* inputBatches(options: ClassifyOptions, ctx: StageContext): AsyncGenerator<Input[]> {
  const size = options.batchSize ?? 32;
  let batch: Input[] = [];
  for await (const input of options.shards ? shardInputs(options, ctx) : fileInputs(options.images ?? [])) {
    batch.push(input);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function* shardInputs(options: ClassifyOptions, ctx: StageContext): AsyncGenerator<Input> {
  const counts = emptyCounts();
  for await (const s of streamSamples(shardPaths(options.shards as string, ctx), counts, { signal: ctx.signal })) {
    const truth = labelOf(s, options.labelField, options.labels);
    yield { image: s.image, prediction: { key: s.key, label: null, score: null, top: [], ...(truth === undefined ? {} : { truth }) } };
  }
}

async function* fileInputs(paths: readonly string[]): AsyncGenerator<Input> {
  for (const file of paths.flatMap(listImages)) {
    yield { image: readFileSync(file), prediction: { file, label: null, score: null, top: [] } };
  }
}

function listImages(path: string): string[] {
  if (!existsSync(path)) throw new AlignError('E_USAGE', `--images: ${path} does not exist`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((f) => IMAGE_EXTS.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(path, f));
}

/** The sample's label: the named .json field or the .cls member, as a class name or an index into the labels. */
export function labelOf(s: RawSample, field: string | undefined, labels: readonly string[]): string | undefined {
  let raw: unknown = s.cls;
  if (field !== undefined) {
    try {
      raw = s.json ? (JSON.parse(s.json.toString('utf8')) as Record<string, unknown>)[field] : undefined;
    } catch {
      raw = undefined;
    }
  }
  if (raw === undefined || raw === null) return undefined;
  const text = String(raw).trim();
  const byName = labels.find((l) => l.toLowerCase() === text.toLowerCase());
  if (byName !== undefined) return byName;
  return /^\d+$/.test(text) && Number(text) < labels.length ? labels[Number(text)] : text;
}

function summarise(predictions: Prediction[], labels: readonly string[]): ClassifySummary {
  const failed = predictions.filter((p) => p.error).length;
  const judged = predictions.filter((p) => p.truth !== undefined && !p.error);
  const summary: ClassifySummary = { samples: predictions.length, predictions };
  if (failed > 0) summary.failed = failed;
  if (judged.length === 0) return summary;
  summary.accuracy = round(judged.filter((p) => p.label === p.truth).length / judged.length);
  const perClass: Record<string, { samples: number; accuracy: number }> = {};
  for (const label of [...labels, ...new Set(judged.map((p) => p.truth as string))]) {
    const mine = judged.filter((p) => p.truth === label);
    if (mine.length > 0 && !perClass[label]) perClass[label] = { samples: mine.length, accuracy: round(mine.filter((p) => p.label === label).length / mine.length) };
  }
  summary.perClass = perClass;
  return summary;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
