/** A training run's curves from RUN/metrics.jsonl: loss (train and val), temperature, Recall@K. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlignError } from '../../errors.js';

export interface CurvePoint {
  step: number;
  series: string;
  value: number;
}

export interface RunCurves {
  loss: CurvePoint[];
  temperature: CurvePoint[];
  recall: CurvePoint[];
}

/** Steps drawn per series at most: a long run is thinned evenly, so the page stays light. */
const MAX_POINTS = 400;

export function readRunCurves(runDir: string): RunCurves {
  const path = join(runDir, 'metrics.jsonl');
  if (!existsSync(path)) {
    throw new AlignError('E_NO_DATA', `${runDir} has no metrics.jsonl`, { hint: 'pass the --out folder of an `align-data train` run' });
  }
  const curves: RunCurves = { loss: [], temperature: [], recall: [] };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const record = parseLine(line);
    if (record) addRecord(record, curves);
  }
  return { loss: thin(curves.loss), temperature: thin(curves.temperature), recall: curves.recall };
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    // A line cut short by a killed run: the rest of the file still counts.
    return undefined;
  }
}

function addRecord(r: Record<string, unknown>, curves: RunCurves): void {
  const step = r.step;
  if (typeof step !== 'number') return;
  if (typeof r.loss === 'number') curves.loss.push({ step, series: 'train loss', value: r.loss });
  if (typeof r.temperature === 'number') curves.temperature.push({ step, series: 'temperature', value: r.temperature });
  const val = r.val as { loss?: unknown; retrieval?: Record<string, unknown> } | undefined;
  if (!val) return;
  if (typeof val.loss === 'number') curves.loss.push({ step, series: 'val loss', value: val.loss });
  for (const [direction, label] of [['imageToText', 'image→text'], ['textToImage', 'text→image']] as const) {
    const m = val.retrieval?.[direction] as Record<string, unknown> | undefined;
    for (const k of ['R@1', 'R@5', 'R@10']) {
      if (typeof m?.[k] === 'number') curves.recall.push({ step, series: `${label} ${k}`, value: m[k] as number });
    }
  }
}

function thin(points: CurvePoint[]): CurvePoint[] {
  const bySeries = new Map<string, CurvePoint[]>();
  for (const p of points) {
    const list = bySeries.get(p.series);
    if (list) list.push(p);
    else bySeries.set(p.series, [p]);
  }
  return [...bySeries.values()].flatMap((list) => {
    if (list.length <= MAX_POINTS) return list;
    const every = list.length / MAX_POINTS;
    return Array.from({ length: MAX_POINTS }, (_, i) => list[Math.floor(i * every)]!).concat([list[list.length - 1]!]);
  });
}
