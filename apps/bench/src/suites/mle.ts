/**
 * The mle suite: convergence rates of maximum-likelihood estimation in Gaussian mixtures of
 * experts with softmax, temperature and activation gates (Nguyen, Akbarian, Ho, "Is Temperature
 * Sample Efficient for Softmax Gaussian Mixture of Experts?", ICML 2024), on the simulation
 * protocol of the group's released code (moe.md): d = 1, two true experts, X on a grid of [0, 1],
 * EM from a start near the truth, replications per sample size, Voronoi losses and density
 * distances per fit, and the rate of each loss fitted as a power of n (with a bootstrap interval)
 * next to a c / ln n law.
 *
 * One unit is one (setting, n) block of replications. Inside it, @nonlinear/theory's sweep runner
 * appends each replication to `mle-cells.jsonl` in the run directory as it finishes, so a killed
 * run resumes mid-block, and each cell is seeded on its own, so any one can be recomputed alone.
 */
import { join } from 'node:path';
import { protocolTruth, type GaussianGateKind } from '@nonlinear/moe';
import {
  EXPONENT_TOLERANCE, judgeRate, lossRate, MemoryResultStore, runSweep, SLOW_EXPONENT,
  type CellLosses, type CellStatus, type LossName, type LossRate, type RateClaim, type RateVerdict, type ResultStore, type SweepConfig, type SweepRecord, type SweepSetting,
} from '@nonlinear/theory';
import { JsonlResultStore } from '../cell-store.js';
import type { VegaLiteSpec } from '../figures.js';
import { fmt } from '../stats.js';
import { defineSuite, type Figure, type Json, type JsonObject, type OptionValues, type Table, type Unit, type UnitRecord } from '../suite.js';

/** The settings the suite knows: a gate (with its activation) and exact (k = 2) or over-specified (k = 3) fits. */
export const MLE_SETTINGS = [
  'softmax', 'temperature', 'activation-tanh', 'activation-sigmoid', 'activation-gelu',
  'softmax-over', 'temperature-over', 'activation-tanh-over', 'activation-sigmoid-over', 'activation-gelu-over',
] as const;
/** One of `MLE_SETTINGS`. */
export type MleSetting = (typeof MLE_SETTINGS)[number];

const FULL_SETTINGS: MleSetting[] = ['softmax', 'temperature', 'activation-tanh', 'activation-sigmoid', 'activation-gelu', 'softmax-over', 'temperature-over', 'activation-tanh-over'];
const QUICK_SETTINGS: MleSetting[] = ['softmax', 'temperature', 'activation-tanh', 'activation-tanh-over'];

/** What a setting name stands for. */
export function parseSetting(name: string): { gate: GaussianGateKind; activation?: string; over: boolean } {
  const over = name.endsWith('-over');
  const base = over ? name.slice(0, -'-over'.length) : name;
  if (base === 'softmax' || base === 'temperature') return { gate: base, over };
  if (base.startsWith('activation-')) return { gate: 'activation', activation: base.slice('activation-'.length), over };
  throw new Error(`mle: unknown setting '${name}'`);
}

/** n values spread log-uniformly over [lo, hi], rounded to integers, without repeats. */
export function logSizes(lo: number, hi: number, count: number): number[] {
  if (count === 1 || lo === hi) return [lo];
  const out = new Set<number>();
  for (let i = 0; i < count; i++) out.add(Math.round(lo * (hi / lo) ** (i / (count - 1))));
  return [...out].sort((a, b) => a - b);
}

const OPTIONS = {
  settings: {
    type: 'enum[]', values: MLE_SETTINGS, default: FULL_SETTINGS, quick: QUICK_SETTINGS,
    description: 'gate and specification of each simulated setting (-over: three fitted experts for two true ones)',
  },
  minN: { type: 'int', min: 2, max: 100_000_000, default: 100, description: 'smallest sample size of the exact-specified settings' },
  maxN: { type: 'int', min: 2, max: 100_000_000, default: 100_000, quick: 10_000, description: 'largest sample size of the exact-specified settings' },
  sizeCount: { type: 'int', min: 1, max: 10_000, default: 200, quick: 5, description: 'sample sizes, log-uniform over [min-n, max-n]' },
  overMinN: { type: 'int', min: 2, max: 100_000_000, default: 10_000, quick: 1000, description: 'smallest sample size of the over-specified settings' },
  overMaxN: { type: 'int', min: 2, max: 100_000_000, default: 100_000, quick: 10_000, description: 'largest sample size of the over-specified settings' },
  overSizeCount: { type: 'int', min: 1, max: 10_000, default: 200, quick: 4, description: 'sample sizes of the over-specified settings' },
  replications: { type: 'int', min: 1, max: 100_000, default: 40, quick: 6, description: 'replications per (setting, n), each with its own seed (they play the role of seeds; --seeds is not used)' },
  seed: { type: 'int', min: 0, max: 2 ** 31 - 1, default: 0, description: 'seed of the sweep; each cell derives its own from it' },
  design: { type: 'enum', values: ['grid', 'uniform'] as const, default: 'grid', description: 'inputs: linspace(0, 1, n) (the protocol) or iid uniform' },
  maxIterations: { type: 'int', min: 1, max: 1_000_000, default: 2000, description: 'EM iterations at most (the protocol: 2000)' },
  tolerance: { type: 'number', min: 0, max: 1, default: 1e-6, description: 'EM stops when the relative log-likelihood change is at most this (the protocol: 1e-6)' },
  initScale: { type: 'number', min: 0, max: 10, default: 0.1, description: 'spread of the EM start around the truth' },
  densityX: { type: 'int', min: 1, max: 100_000, default: 101, quick: 51, description: 'x grid points on [0, 1] over which the Hellinger and TV distances are averaged' },
  densityPoints: { type: 'int', min: 5, max: 1_000_001, default: 801, quick: 401, description: 'quadrature nodes in y at least (raised for narrow experts)' },
  bootstrap: { type: 'int', min: 0, max: 100_000, default: 1000, quick: 400, description: 'bootstrap resamples of the rate intervals' },
} as const;

type MleOptions = OptionValues<typeof OPTIONS>;

/** The sweep the options describe (every selected setting; a unit runs one (setting, n) block of it). */
export function sweepConfigOf(o: MleOptions): SweepConfig {
  const settings: SweepSetting[] = o.settings.map((name) => {
    const s = parseSetting(name);
    const truth = protocolTruth({ gate: s.gate, ...(s.activation ? { activation: s.activation } : {}) });
    const sizes = s.over ? logSizes(o.overMinN, o.overMaxN, o.overSizeCount) : logSizes(o.minN, o.maxN, o.sizeCount);
    return { name, truth, experts: s.over ? truth.k + 1 : truth.k, sizes };
  });
  return {
    settings, replications: o.replications, seed: o.seed, design: o.design,
    em: { maxIterations: o.maxIterations, tolerance: o.tolerance }, initScale: o.initScale,
    density: { x: Float64Array.from({ length: o.densityX }, (_, i) => (o.densityX === 1 ? 0.5 : i / (o.densityX - 1))), points: o.densityPoints },
  };
}

/** Name of the cells file a run keeps in its directory. */
export const CELLS_FILE = 'mle-cells.jsonl';

const stores = new Map<string, JsonlResultStore>();
function storeFor(runDir: string | undefined): ResultStore {
  if (runDir === undefined) return new MemoryResultStore();
  const path = join(runDir, CELLS_FILE);
  let s = stores.get(path);
  if (!s) stores.set(path, (s = new JsonlResultStore(path)));
  return s;
}

/** One replication as the unit record keeps it (the fitted parameters stay in the cells file). */
interface Replication extends JsonObject {
  replication: number;
  seed: number;
  status: CellStatus;
  failure: string | null;
  iterations: number;
  logLikelihood: number | null;
  losses: JsonObject | null;
}

/** The claims about each (setting, loss) this suite tests, from moe.md's table of expected rates. */
export function theoryFor(setting: string, loss: LossName): RateClaim | null {
  const s = parseSetting(setting);
  const parametric: RateClaim = { kind: 'power', exponent: -0.5 };
  if (loss === 'weights' || loss === 'hellinger' || loss === 'totalVariation') return parametric;
  if (s.gate === 'temperature') return { kind: 'slower-than-polynomial' };
  if (!s.over) return parametric;
  if (loss === 'd2' || loss === 'singleParameters') return parametric;
  // Multi-atom cells: n^-1/4 for beta1, tau and a under the activation gate (reconstructed in moe.md);
  // the softmax gate's D2 exponents give no single rate for them.
  if (loss === 'multiSlow' && s.gate === 'activation') return { kind: 'power', exponent: -0.25 };
  return null;
}

/** The losses fitted per setting: the exact-specified ones, or the over-specified ones. */
export function lossesFor(setting: string): LossName[] {
  return parseSetting(setting).over
    ? ['d2', 'multiSlow', 'singleParameters', 'weights', 'hellinger', 'totalVariation']
    : ['d1', 'parameters', 'gateParameters', 'weights', 'hellinger', 'totalVariation'];
}

const FIGURE_LOSSES = (setting: string): LossName[] => (parseSetting(setting).over ? ['multiSlow', 'singleParameters', 'hellinger'] : ['parameters', 'gateParameters', 'hellinger']);

const LOSS_LABEL: Record<LossName, string> = {
  d1: 'D1', d2: 'D2', weights: 'mixing weights', parameters: 'parameters (β1, τ, a, b, ν)', gateParameters: 'gate parameters (β1, τ)', singleParameters: 'single-atom parameters',
  multiParameters: 'multi-atom parameters', multiSlow: 'multi-atom β1, τ, a', hellinger: 'Hellinger', totalVariation: 'total variation',
};

const claimText = (c: RateClaim | null): string => (c === null ? '' : c.kind === 'power' ? `n^${c.exponent}` : 'slower than any n^-a');

/** Rebuilds the sweep records from the unit records (for the rate fits). */
function sweepRecords(records: readonly UnitRecord[]): SweepRecord[] {
  return records.flatMap((r) => {
    const setting = r.data.setting as string;
    const n = r.data.n as number;
    return (r.data.replications as Replication[]).map((x) => ({
      key: `${setting}/n-${n}/rep-${x.replication}`, setting, n, replication: x.replication, seed: x.seed, status: x.status,
      ...(x.failure !== null ? { failure: x.failure } : {}), iterations: x.iterations, logLikelihood: x.logLikelihood,
      losses: x.losses as unknown as CellLosses | null, fit: null,
    }));
  });
}

interface FittedLoss {
  setting: string;
  loss: LossName;
  rate: LossRate;
  claim: RateClaim | null;
  verdict: RateVerdict | null;
}

const verdictText = (v: RateVerdict | null): string => (v === null ? '' : v.supported === null ? 'cannot tell' : v.supported ? 'supported' : 'not supported');

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Mean loss against n on log-log axes, per loss: the fitted power law, the theoretical slope, and the c / ln n fit where the claim is "slower than polynomial". */
export function rateFigure(setting: string, fits: readonly FittedLoss[]): VegaLiteSpec {
  const points: { n: number; mean: number; loss: string; used: number }[] = [];
  const lines: { n: number; y: number; loss: string; line: string; key: string }[] = [];
  const subtitle: string[] = [];
  for (const f of fits) {
    const label = LOSS_LABEL[f.loss];
    const sizes = f.rate.sizes.filter((s) => s.used > 0);
    for (const s of sizes) points.push({ n: s.n, mean: s.mean, loss: label, used: s.used });
    const p = f.rate.power;
    if (!p || sizes.length < 2) continue;
    const lo = sizes[0]!.n;
    const hi = sizes[sizes.length - 1]!.n;
    for (const n of [lo, hi]) lines.push({ n, y: Math.exp(p.intercept) * n ** p.exponent, loss: label, line: 'fitted power law', key: `${label}|fit` });
    subtitle.push(`${label}: slope ${fmt(p.exponent)} [${fmt(p.ci[0])}, ${fmt(p.ci[1])}]${f.claim ? `, theory ${claimText(f.claim)}` : ''}`);
    if (f.claim?.kind === 'power') {
      // Anchored on the fitted line at the geometric mean of n, so only the slopes differ.
      const mid = Math.sqrt(lo * hi);
      const at = Math.exp(p.intercept) * mid ** p.exponent;
      for (const n of [lo, hi]) lines.push({ n, y: at * (n / mid) ** f.claim.exponent, loss: label, line: 'theoretical slope', key: `${label}|theory` });
    } else if (f.claim?.kind === 'slower-than-polynomial' && f.rate.inverseLog) {
      const c = f.rate.inverseLog.c;
      for (let i = 0; i <= 16; i++) {
        const n = lo * (hi / lo) ** (i / 16);
        lines.push({ n, y: c / Math.log(n), loss: label, line: 'fitted c / ln n', key: `${label}|log` });
      }
    }
  }
  const x = { field: 'n', type: 'quantitative', title: 'sample size n', scale: { type: 'log' }, axis: { format: '~s' } };
  return {
    $schema: SCHEMA,
    title: { text: `${setting}: mean loss against n`, subtitle: ['points: mean over replications (failed fits left out)', ...subtitle] },
    width: 480,
    height: 300,
    config: { background: 'white', font: 'Helvetica, Arial, sans-serif', view: { stroke: null }, axis: { grid: true, gridOpacity: 0.5 }, legend: { labelLimit: 280 }, title: { anchor: 'start', subtitleFontSize: 10 } },
    layer: [
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 50 },
        encoding: {
          x, y: { field: 'mean', type: 'quantitative', title: 'mean loss', scale: { type: 'log' }, axis: { format: '.1e' } },
          color: { field: 'loss', type: 'nominal', title: 'loss' },
          tooltip: [{ field: 'loss' }, { field: 'n' }, { field: 'mean', format: '.4g' }, { field: 'used', title: 'replications' }],
        },
      },
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x, y: { field: 'y', type: 'quantitative', scale: { type: 'log' } },
          color: { field: 'loss', type: 'nominal', title: 'loss' },
          strokeDash: { field: 'line', type: 'nominal', title: 'line', scale: { domain: ['fitted power law', 'theoretical slope', 'fitted c / ln n'], range: [[6, 3], [1, 3], [8, 3, 1, 3]] } },
          detail: { field: 'key', type: 'nominal' },
        },
      },
    ],
  };
}

/** The headline claim, from the verdicts of its parts: all supported, none, some, or undecidable. */
function headline(fits: readonly FittedLoss[]): string {
  const parts = fits.filter((f) => f.verdict && (
    (parseSetting(f.setting).gate === 'temperature' && !parseSetting(f.setting).over && f.loss === 'parameters') ||
    (parseSetting(f.setting).gate === 'activation' && !parseSetting(f.setting).over && f.loss === 'parameters') ||
    (parseSetting(f.setting).gate === 'activation' && parseSetting(f.setting).over && f.loss === 'multiSlow')));
  const claim = "The paper's claim, that the temperature gate's parameter losses decay slower than any polynomial while the activation gate's decay near n^-1/2 " +
    '(exact-specified) and n^-1/4 (multi-atom cells, over-specified)';
  const kinds = new Set(parts.map((f) => parseSetting(f.setting).gate + (parseSetting(f.setting).over ? '-over' : '')));
  if (!kinds.has('temperature') || !kinds.has('activation')) return `${claim}, needs the temperature and an exact activation setting; this run cannot test it.`;
  const yes = parts.filter((f) => f.verdict!.supported === true);
  const undecided = parts.filter((f) => f.verdict!.supported === null);
  const list = (fs: FittedLoss[]): string => fs.map((f) => `${f.setting} (${LOSS_LABEL[f.loss]})`).join(', ');
  if (undecided.length) return `${claim}: undecided; no usable fit for ${list(undecided)}.`;
  if (yes.length === parts.length) return `${claim}: **supported** by every part measured here (${list(parts)}), by the rules of the claims table.`;
  if (yes.length === 0) return `${claim}: **not supported**; no part passes its rule (${list(parts)}).`;
  return `${claim}: **partly supported**; passing: ${list(yes)}; failing: ${list(parts.filter((f) => !yes.includes(f)))}.`;
}

/** Exported for tests: the tables, figures and notes from unit records. */
export function summarizeMle(records: readonly UnitRecord[], o: Pick<MleOptions, 'bootstrap' | 'seed' | 'tolerance' | 'maxIterations'>): {
  rows: Record<string, string | number | boolean | null>[]; tables: Table[]; figures: Figure[]; notes: string;
} {
  if (!records.length) return { rows: [], tables: [], figures: [], notes: '' };
  const sweep = sweepRecords(records);
  const settings = [...new Set(sweep.map((r) => r.setting))];
  const fits: FittedLoss[] = settings.flatMap((setting) => lossesFor(setting).map((loss) => {
    const rate = lossRate(sweep, setting, loss, { bootstrap: o.bootstrap, seed: o.seed });
    const claim = theoryFor(setting, loss);
    return { setting, loss, rate, claim, verdict: claim ? judgeRate(rate, claim) : null };
  }));
  const rows: Record<string, string | number | boolean | null>[] = [];
  for (const f of fits) {
    const p = f.rate.power;
    const l = f.rate.inverseLog;
    rows.push({
      part: 'rate', setting: f.setting, loss: f.loss, theory: claimText(f.claim), exponent: p?.exponent ?? null, ci_lo: p?.ci[0] ?? null, ci_hi: p?.ci[1] ?? null,
      r2: p?.r2 ?? null, residual_se: p?.residualSE ?? null, inverse_log_c: l?.c ?? null, inverse_log_r2: l?.r2 ?? null, inverse_log_residual_se: l?.residualSE ?? null,
      preferred: f.rate.comparison?.preferred ?? null, sizes: f.rate.sizes.filter((s) => s.used > 0).length, records: f.rate.records, failed: f.rate.failed,
      not_converged: f.rate.notConverged, absent: f.rate.absent, verdict: f.verdict ? verdictText(f.verdict) : null,
    });
    for (const s of f.rate.sizes) rows.push({ part: 'mean', setting: f.setting, loss: f.loss, n: s.n, mean: s.mean, used: s.used, failed: s.failed, not_converged: s.notConverged, absent: s.absent });
  }
  const rates: Table = {
    title: 'Fitted rates: mean loss ~ C n^a, and the c / ln n law beside it',
    columns: ['setting', 'loss', 'sizes', 'exponent a [95% CI]', 'theory', 'R² (power)', 'c of c/ln n', 'R² (c/ln n)', 'residual SE power / c/ln n', 'better fit'],
    rows: fits.map((f) => {
      const p = f.rate.power;
      const l = f.rate.inverseLog;
      const c = f.rate.comparison;
      return [
        f.setting, LOSS_LABEL[f.loss], f.rate.sizes.filter((s) => s.used > 0).length, p ? `${fmt(p.exponent)} [${fmt(p.ci[0])}, ${fmt(p.ci[1])}]` : '', claimText(f.claim),
        p ? fmt(p.r2) : '', l ? fmt(l.c) : '', l ? fmt(l.r2) : '', c ? `${fmt(c.powerLawSE)} / ${fmt(c.inverseLogSE)}` : '', c ? (c.preferred === 'power-law' ? 'power law' : 'c / ln n') : '',
      ];
    }),
    caption: 'Least squares of ln(mean loss) on ln n over the sample sizes; the interval is a percentile bootstrap that resamples replications within each n ' +
      `(${o.bootstrap} resamples, seeded). Both laws are fitted in ln(loss); R² is about the mean of ln(loss) (it can be negative for c / ln n, which has no free slope); ` +
      'the better fit is the one with the smaller residual standard error in ln(loss), each with its own degrees of freedom (m - 2 and m - 1).',
  };
  const bySetting = settings.map((setting) => {
    const recs = sweep.filter((r) => r.setting === setting);
    const failed = recs.filter((r) => r.status === 'failed');
    const reasons = new Map<string, number>();
    for (const r of failed) {
      const why = (r.failure ?? 'unknown').split(':')[0]!;
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    const iters = recs.filter((r) => r.status !== 'failed').map((r) => r.iterations).sort((a, b) => a - b);
    return [
      setting, recs.length, failed.length, recs.filter((r) => r.status === 'not-converged').length,
      [...reasons].map(([k, v]) => `${k} (${v})`).join(', '), iters.length ? `${iters[Math.floor(iters.length / 2)]} / ${iters[iters.length - 1]}` : '',
    ];
  });
  const failures: Table = {
    title: 'EM fits: failures and non-convergence',
    columns: ['setting', 'fits', 'failed', 'not converged', 'failure reasons', 'iterations (median / max)'],
    rows: bySetting,
    caption: `A failed fit (the estimator reported a failure: non-finite values, collapsed variance, likelihood decrease, singular expert) is left out of every mean and counted here; ` +
      `a fit that reached ${o.maxIterations} iterations without a relative log-likelihood change below ${o.tolerance} is counted as not converged and its losses are used.`,
  };
  const claimRows = fits.filter((f) => f.verdict).map((f) => [f.setting, LOSS_LABEL[f.loss], claimText(f.claim), f.verdict!.detail, f.verdict!.rule, verdictText(f.verdict)]);
  const claims: Table = {
    title: 'Claims: does the measured rate support the expected one?',
    columns: ['setting', 'loss', 'claim', 'measured', 'rule', 'verdict'],
    rows: claimRows,
    caption: `Rules (computed, not set by hand): a claimed n^a is supported when the power law fits at least as well as c / ln n and the exponent's interval contains a ` +
      `or the estimate is within ${EXPONENT_TOLERANCE} of it; "slower than any polynomial" is supported when c / ln n fits better, or the exponent's whole interval lies above ${SLOW_EXPONENT}.`,
  };
  const figures: Figure[] = settings.map((setting) => ({
    name: setting,
    title: `${setting}: mean loss against n`,
    spec: rateFigure(setting, fits.filter((f) => f.setting === setting && FIGURE_LOSSES(setting).includes(f.loss))),
  }));
  const notes = [
    headline(fits),
    'Losses (moe.md): D1 and D2 are the Voronoi losses of the group\'s released code. Each fitted atom is weighted by its gate weight exp(β0 / τ); in the protocol ' +
      'the gated expert has β0 / τ of -8 (softmax, temperature) or -5 (activation gate) against 0 for the reference expert, so D1 is dominated by the reference ' +
      'expert\'s (a, b, ν) and by |τ - τ*|, and the gated expert\'s parameters enter with weight e^-8 or e^-5. "parameters" is D1 without its mixing-weight term; ' +
      '"multi-atom β1, τ, a" sums those errors over the atoms sharing a Voronoi cell (the ~n^-1/4 group of the over-specified table); Hellinger and total variation ' +
      'are averaged over an x grid of [0, 1], integrated in y by the trapezoid rule (error estimates stored per fit).',
    'The temperature gate is invariant under scaling (β1, β0, τ) by one constant, the linear dependence moe.md derives; the likelihood is flat along that ray, so ' +
      'EM moves (β1, β0, τ) along it only as far as the data pull the other parameters, and τ\'s error need not decrease with n at all. That is the ' +
      'mechanism behind "slower than any polynomial"; the gate-parameter loss (β1, τ) isolates it, while "parameters" also holds the reference expert\'s ' +
      '(a, b, ν), which the gate does not involve. The figures draw the c / ln n fit beside the power law for these losses.',
    'Differences from the paper: the activation gates\' true parameters are ours (the paper\'s are not published; see protocolTruth in @nonlinear/moe), ' +
      'the over-specified multi-atom exponent -1/4 is a reconstruction (moe.md), and the group\'s own exact-specified softmax slope was about -0.64 for a theory of -0.5.',
  ].join('\n\n');
  return { rows, tables: [rates, claims, failures], figures, notes };
}

/** The suite as the registry holds it. */
export const mleSuite = defineSuite({
  name: 'mle',
  description: 'Gaussian MoE MLE convergence rates (softmax, temperature, activation gates; exact and over-specified): Voronoi losses and density distances against n, fitted rates and verdicts',
  paper: { title: 'Nguyen, Akbarian, Ho, Is Temperature Sample Efficient for Softmax Gaussian Mixture of Experts? (ICML 2024)', url: 'https://arxiv.org/abs/2401.13875' },
  usesBackends: false,
  options: OPTIONS,

  units(o) {
    const units: Unit[] = [];
    for (const s of sweepConfigOf(o).settings) {
      for (const n of s.sizes) units.push({ id: `${s.name}/n-${n}`, params: { setting: s.name, n } });
    }
    return units;
  },

  async run(unit, ctx) {
    const setting = unit.params.setting as string;
    const n = unit.params.n as number;
    const config = sweepConfigOf(ctx.options);
    const store = storeFor(ctx.runDir);
    const run = await runSweep(config, store, { filter: (c) => c.setting === setting && c.n === n });
    if (run.resumed) ctx.log(`${unit.id}: ${run.resumed} of ${run.records.length} replications found in ${CELLS_FILE}`);
    const s = config.settings.find((x) => x.name === setting)!;
    const replications: Replication[] = run.records.map((r) => ({
      replication: r.replication, seed: r.seed, status: r.status, failure: r.failure ?? null, iterations: r.iterations, logLikelihood: r.logLikelihood,
      losses: r.losses as unknown as JsonObject | null,
    }));
    return { setting, n, gate: s.truth.gate, activation: s.truth.activation ?? null, experts: s.experts, trueExperts: s.truth.k, replications: replications as unknown as Json[] };
  },

  brief(r) {
    const reps = r.replications as Replication[];
    const ok = reps.filter((x) => x.status !== 'failed' && x.losses);
    const mean = ok.length ? ok.reduce((a, x) => a + ((x.losses!.d2 as number) ?? 0), 0) / ok.length : NaN;
    return `${ok.length}/${reps.length} fits, mean D2 ${fmt(mean)}`;
  },

  summarize(records, o) {
    return summarizeMle(records, o);
  },
});
