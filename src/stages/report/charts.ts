/**
 * The report's charts: vega-lite specs rendered to SVG strings on the server (vega's `toSVG()`
 * with the headless renderer), so the page needs no script and no network to show them.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { ValueRow } from '../../store/report.js';

type Spec = vl.TopLevelSpec;

const WIDTH = 520;
const STATUS_COLORS = { domain: ['kept', 'rejected'], range: ['#3a7d44', '#c8553d'] };
const CONFIG = { font: 'sans-serif', view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 } };

export async function renderSvg(spec: Spec): Promise<string> {
  const compiled = vl.compile({ ...spec, config: { ...CONFIG, ...(spec as { config?: object }).config } } as Spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface Threshold {
  value: number;
  label: string;
}

/** A stacked histogram of kept and rejected pairs over one measure, with the filter's thresholds as rules. */
export function histogramSpec(rows: readonly ValueRow[], o: { title: string; x: string; step: number; thresholds: Threshold[] }): Spec {
  const values = rows.flatMap((r) => [
    { value: r.value, status: 'kept', n: r.kept },
    { value: r.value, status: 'rejected', n: r.rejected },
  ]);
  return {
    title: o.title,
    width: WIDTH,
    height: 180,
    layer: [
      {
        data: { values },
        mark: 'bar',
        encoding: {
          x: { field: 'value', type: 'quantitative', bin: { step: o.step }, title: o.x, axis: { format: o.step >= 1 ? 'd' : '.2~f' } },
          y: { aggregate: 'sum', field: 'n', type: 'quantitative', title: 'pairs', stack: 'zero' },
          color: { field: 'status', type: 'nominal', scale: STATUS_COLORS, title: null },
        },
      },
      {
        data: { values: o.thresholds },
        layer: [
          { mark: { type: 'rule', color: '#222', strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { field: 'value', type: 'quantitative' } } },
          {
            mark: { type: 'text', align: 'left', dx: 3, dy: -4, fontSize: 11, color: '#222' },
            encoding: { x: { field: 'value', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
          },
        ],
      },
    ],
  } as Spec;
}

/** Horizontal bars, one group per category, one bar per series (e.g. first / any failing filter). */
export function groupedBarsSpec(rows: readonly { category: string; series: string; n: number }[], o: { title: string; x: string; colors?: string[] }): Spec {
  const categories = new Set(rows.map((r) => r.category)).size;
  return {
    title: o.title,
    width: WIDTH - 120,
    height: { step: 12 },
    data: { values: rows },
    mark: 'bar',
    encoding: {
      y: { field: 'category', type: 'nominal', title: null, sort: { field: 'n', op: 'max', order: 'descending' } },
      yOffset: { field: 'series', type: 'nominal' },
      x: { field: 'n', type: 'quantitative', title: o.x },
      color: { field: 'series', type: 'nominal', title: null, ...(o.colors ? { scale: { range: o.colors } } : {}) },
      tooltip: [{ field: 'category' }, { field: 'series' }, { field: 'n' }],
    },
    ...(categories === 0 ? { height: 40 } : {}),
  } as Spec;
}

/** Lines over training steps, one per series. */
export function curvesSpec(rows: readonly { step: number; series: string; value: number }[], o: { title: string; y: string; logY?: boolean }): Spec {
  return {
    title: o.title,
    width: WIDTH,
    height: 180,
    data: { values: rows },
    mark: { type: 'line', point: rows.length < 60 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', title: o.y, scale: o.logY ? { type: 'log', nice: false } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  } as Spec;
}
