/**
 * Figures as declarative Vega-Lite specs, rendered headless to SVG with `vega` and `vega-lite`.
 * The spec is written next to the SVG (`<name>.vl.json`) so a user can restyle a figure in the
 * Vega editor or with `vl2svg` without rerunning anything.
 *
 * Three helpers cover what the studies need: a line with a band (mean ± std over seeds, e.g.
 * loss curves), a log-log scatter with a fitted power law (convergence rates, scaling), and
 * bars with error bars (throughput per backend).
 */
import { fitPowerLaw, mean, median, quantile, std, type PowerLawFit } from './stats.js';

/** A Vega-Lite spec as plain JSON (checked by vega-lite when it is compiled). */
export type VegaLiteSpec = { [key: string]: unknown };

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 480;
const HEIGHT = 300;

const BASE_CONFIG = {
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: null },
  axis: { grid: true, gridOpacity: 0.5, labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start' },
};

function scale(log: boolean | undefined): { type: string } | undefined {
  return log ? { type: 'log' } : undefined;
}

export interface BandPoint {
  x: number;
  y: number;
  /** The curve this point belongs to (a model, a backend); one colour each. */
  series?: string;
  /** The seed (or other replicate) the point came from; the band spreads over these. */
  seed?: number | string;
}

export interface LineBandOptions {
  title: string;
  subtitle?: string;
  xTitle: string;
  yTitle: string;
  xLog?: boolean;
  yLog?: boolean;
  seriesTitle?: string;
}

/**
 * Mean over seeds as a line and mean ± std (sample std over seeds) as a shaded band, one colour
 * per series. The aggregation is a Vega-Lite transform over the raw points kept in the spec.
 */
export function lineBand(points: readonly BandPoint[], o: LineBandOptions): VegaLiteSpec {
  const values = points.map((p) => ({ x: p.x, y: p.y, series: p.series ?? 'all', seed: p.seed ?? 0 }));
  const color = { field: 'series', type: 'nominal', title: o.seriesTitle ?? 'series' };
  const x = { field: 'x', type: 'quantitative', title: o.xTitle, scale: scale(o.xLog) };
  return {
    $schema: SCHEMA,
    title: o.subtitle ? { text: o.title, subtitle: o.subtitle } : o.title,
    width: WIDTH,
    height: HEIGHT,
    config: BASE_CONFIG,
    data: { values },
    transform: [
      { aggregate: [{ op: 'mean', field: 'y', as: 'mean' }, { op: 'stdev', field: 'y', as: 'std' }, { op: 'count', as: 'seeds' }], groupby: ['x', 'series'] },
      { calculate: 'isValid(datum.std) ? datum.std : 0', as: 'std' },
      { calculate: 'datum.mean - datum.std', as: 'lo' },
      { calculate: 'datum.mean + datum.std', as: 'hi' },
    ],
    layer: [
      {
        mark: { type: 'area', opacity: 0.22 },
        encoding: { x, y: { field: 'lo', type: 'quantitative', title: o.yTitle, scale: scale(o.yLog) }, y2: { field: 'hi' }, color },
      },
      {
        mark: { type: 'line', point: points.length <= 60 },
        encoding: {
          x,
          y: { field: 'mean', type: 'quantitative', title: o.yTitle, scale: scale(o.yLog) },
          color,
          tooltip: [{ field: 'series' }, { field: 'x' }, { field: 'mean', format: '.4g' }, { field: 'std', format: '.3g' }, { field: 'seeds' }],
        },
      },
    ],
  };
}

/** Mean and std over seeds at each (series, x), as the band shows them; for tables. */
export function bandStats(points: readonly BandPoint[]): { series: string; x: number; mean: number; std: number; seeds: number }[] {
  const groups = new Map<string, { series: string; x: number; ys: number[] }>();
  for (const p of points) {
    const series = p.series ?? 'all';
    const key = `${series}\u0000${p.x}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { series, x: p.x, ys: [] }));
    g.ys.push(p.y);
  }
  return [...groups.values()].map((g) => ({ series: g.series, x: g.x, mean: mean(g.ys), std: std(g.ys), seeds: g.ys.length }));
}

export interface ScatterPoint {
  x: number;
  y: number;
  series?: string;
}

export interface LogLogOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  seriesTitle?: string;
}

/**
 * Points on log-log axes with a least-squares power law per series (a straight line there),
 * fitted in log10 space. Returns the fits too, so a report can quote the slopes.
 */
export function logLogScatter(points: readonly ScatterPoint[], o: LogLogOptions): { spec: VegaLiteSpec; fits: (PowerLawFit & { series: string })[] } {
  const bySeries = new Map<string, ScatterPoint[]>();
  for (const p of points) {
    const s = p.series ?? 'all';
    if (!bySeries.has(s)) bySeries.set(s, []);
    bySeries.get(s)!.push(p);
  }
  const fits: (PowerLawFit & { series: string })[] = [];
  const line: { x: number; y: number; series: string }[] = [];
  for (const [series, ps] of bySeries) {
    const fit = fitPowerLaw(ps.map((p) => p.x), ps.map((p) => p.y));
    fits.push({ series, ...fit });
    const xs = ps.map((p) => p.x).filter((x) => x > 0);
    if (Number.isFinite(fit.slope) && xs.length >= 2) {
      for (const x of [Math.min(...xs), Math.max(...xs)]) line.push({ x, y: 10 ** fit.intercept * x ** fit.slope, series });
    }
  }
  const color = { field: 'series', type: 'nominal', title: o.seriesTitle ?? 'series' };
  const subtitle = fits.filter((f) => Number.isFinite(f.slope)).map((f) => `${f.series}: slope ${f.slope.toFixed(3)} (R² ${f.r2.toFixed(3)})`);
  const spec: VegaLiteSpec = {
    $schema: SCHEMA,
    title: subtitle.length ? { text: o.title, subtitle: ['dashed: least-squares power law y = a·x^slope in log-log space', ...subtitle] } : o.title,
    width: WIDTH,
    height: HEIGHT,
    config: BASE_CONFIG,
    layer: [
      {
        data: { values: points.filter((p) => p.x > 0 && p.y > 0).map((p) => ({ x: p.x, y: p.y, series: p.series ?? 'all' })) },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: o.xTitle, scale: { type: 'log' }, axis: { format: '~s' } },
          y: { field: 'y', type: 'quantitative', title: o.yTitle, scale: { type: 'log' }, axis: { format: '~s' } },
          color,
          tooltip: [{ field: 'series' }, { field: 'x', format: '.4g' }, { field: 'y', format: '.4g' }],
        },
      },
      {
        data: { values: line },
        mark: { type: 'line', strokeDash: [6, 3] },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { type: 'log' } },
          y: { field: 'y', type: 'quantitative', scale: { type: 'log' } },
          color,
        },
      },
    ],
  };
  return { spec, fits };
}

export interface BarSample {
  /** The x-axis category (a workload). */
  category: string;
  /** Bars side by side within a category (a backend). */
  group?: string;
  /** One repetition's value; bars show the median, error bars the interquartile range. */
  value: number;
}

export interface BarOptions {
  title: string;
  subtitle?: string;
  yTitle: string;
  xTitle?: string;
  groupTitle?: string;
  yLog?: boolean;
}

/**
 * Bars at the median of the samples of each (category, group), with error bars from the 25th
 * to the 75th percentile (interquartile range) of the repetitions. Categories keep the order of
 * first appearance.
 */
export function barErrors(samples: readonly BarSample[], o: BarOptions): VegaLiteSpec {
  const groups = new Map<string, { category: string; group: string; vs: number[] }>();
  const categories: string[] = [];
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    const group = s.group ?? 'all';
    const key = `${s.category}\u0000${group}`;
    if (!categories.includes(s.category)) categories.push(s.category);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { category: s.category, group, vs: [] }));
    g.vs.push(s.value);
  }
  const values = [...groups.values()].map((g) => ({
    category: g.category,
    group: g.group,
    median: median(g.vs),
    q25: quantile(g.vs, 0.25),
    q75: quantile(g.vs, 0.75),
    min: Math.min(...g.vs),
    max: Math.max(...g.vs),
    n: g.vs.length,
  }));
  const x = { field: 'category', type: 'nominal', title: o.xTitle ?? null, sort: categories, axis: { labelAngle: -30, labelLimit: 240 } };
  const xOffset = { field: 'group', type: 'nominal' };
  const color = { field: 'group', type: 'nominal', title: o.groupTitle ?? 'group' };
  return {
    $schema: SCHEMA,
    title: { text: o.title, subtitle: o.subtitle ?? 'bar: median over repetitions; error bar: 25th-75th percentile' },
    width: Math.max(WIDTH, categories.length * 70),
    height: HEIGHT,
    config: BASE_CONFIG,
    data: { values },
    encoding: { x, xOffset },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'median', type: 'quantitative', title: o.yTitle, scale: scale(o.yLog) },
          color,
          tooltip: [{ field: 'category' }, { field: 'group' }, { field: 'median', format: '.4g' }, { field: 'q25', format: '.4g' }, { field: 'q75', format: '.4g' }, { field: 'n' }],
        },
      },
      {
        mark: { type: 'rule', color: 'black', strokeWidth: 1.5 },
        encoding: { y: { field: 'q25', type: 'quantitative' }, y2: { field: 'q75' } },
      },
    ],
  };
}

/** Compiles a Vega-Lite spec and renders it headless (no canvas, no browser) to an SVG string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  // Through JSON, so the figure is exactly what `<name>.vl.json` holds (no undefined fields).
  const plain = JSON.parse(JSON.stringify(spec)) as Parameters<typeof vegaLite.compile>[0];
  const compiled = vegaLite.compile(plain).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
