/**
 * The MLE sweep runner: sample sizes x replications x settings (gate, exact- or
 * over-specified), each (setting, n, replication) cell seeded on its own so any cell can be
 * recomputed alone, each record handed to a `ResultStore` as soon as it is computed so a killed
 * sweep resumes where it stopped. Float64 throughout, on plain arrays (the estimators of
 * @nonlinear/moe), so it runs the same in Node and in browsers.
 */
import { ValueError } from '@nonlinear/tensor';
import { checkParams, fitEM, initNearTruth, sampleGaussianMoE, type EMOptions, type FitResult, type GaussianMoEParams } from '@nonlinear/moe';
import { deriveSeed } from '../rates/rng.js';
import { densityDistances, type DensityDistanceOptions } from './density-distance.js';
import { paramsToJson } from './params-json.js';
import type { CellLosses, CellStatus, SweepRecord } from './record.js';
import type { ResultStore } from '../store.js';
import { parameterErrors, voronoiD1, voronoiD2, type VoronoiOptions } from './voronoi.js';

/** One simulated setting: a true model, the size of the fitted model, and its sample sizes. */
export interface SweepSetting {
  /** Unique name, part of every cell key (letters, digits, '.', '_', '-'). */
  name: string;
  /** The true model G* (its reference expert's gate parameters 0). */
  truth: GaussianMoEParams;
  /** Experts of the fitted model: truth.k for an exact-specified fit, more for an over-specified one. */
  experts: number;
  /** Sample sizes n (positive integers). */
  sizes: readonly number[];
}

/** What a sweep runs. */
export interface SweepConfig {
  /** The settings, run in this order. */
  settings: readonly SweepSetting[];
  /** Replications per (setting, n). */
  replications: number;
  /** The sweep's seed; cell seeds are `deriveSeed(seed, setting, n, replication)`. */
  seed: number;
  /** Inputs: 'grid' (linspace(0, 1, n), the protocol's) or 'uniform' (iid U[0, 1)). Default 'grid'. */
  design?: 'grid' | 'uniform';
  /** Options of the EM fit (defaults: the protocol's 2000 iterations, tolerance 1e-6). */
  em?: EMOptions;
  /** Spread of the start around the truth (`initNearTruth`'s scale, default 0.1). */
  initScale?: number;
  /** Options of the Voronoi losses. */
  voronoi?: VoronoiOptions;
  /** Options of the density distances, or false to skip them. */
  density?: DensityDistanceOptions | false;
}

/** One (setting, n, replication) cell. */
export interface SweepCell {
  /** `<setting>/n-<n>/rep-<replication>`. */
  key: string;
  /** The setting's name. */
  setting: string;
  /** Sample size. */
  n: number;
  /** Replication index, 0-based. */
  replication: number;
  /** The cell's seed; the data and the start are drawn from seeds derived from it. */
  seed: number;
}

/** The outcome of one fit, as the runner needs it. */
export interface CellFit {
  /** The estimate. */
  params: GaussianMoEParams;
  /** Its log-likelihood on the cell's sample. */
  logLikelihood: number;
  /** Iterations the estimator ran. */
  iterations: number;
  /** Whether its stopping rule was met. */
  converged: boolean;
  /** Set when the estimator gave up on a failure (the cell counts as failed). */
  failure?: string;
}

/** A cell's sample: inputs x (n d, row-major) and responses y (n). */
export interface SweepData {
  /** Inputs. */
  x: Float64Array;
  /** Responses. */
  y: Float64Array;
}

/** The three steps of a cell, replaceable (e.g. to run the gradient-based MLE instead of EM). */
export interface SweepHooks {
  /** Draws the cell's sample. Default: `sampleGaussianMoE` with the config's design. */
  sample(truth: GaussianMoEParams, n: number, seed: number, config: SweepConfig): SweepData;
  /** The starting point. Default: `initNearTruth(truth, experts, { seed, scale: config.initScale })`. */
  init(truth: GaussianMoEParams, experts: number, seed: number, config: SweepConfig): GaussianMoEParams;
  /** The fit. Default: `fitEM` with `config.em` (history off). */
  fit(data: SweepData, init: GaussianMoEParams, config: SweepConfig): CellFit;
}

/** The default hooks: the protocol's sampler, start near the truth, and EM from @nonlinear/moe. */
export const emSweepHooks: SweepHooks = {
  sample: (truth, n, seed, config) => {
    const s = sampleGaussianMoE(truth, n, { seed, x: config.design ?? 'grid' });
    return { x: s.x, y: s.y };
  },
  init: (truth, experts, seed, config) => {
    const { cells: _cells, ...p } = initNearTruth(truth, experts, { seed, ...(config.initScale !== undefined ? { scale: config.initScale } : {}) });
    return p;
  },
  fit: (data, init, config) => fitResultToCell(fitEM(data, init, { ...config.em, history: false })),
};

/** A `FitResult` of @nonlinear/moe (fitEM, fitMLE) as a `CellFit`. */
export function fitResultToCell(r: FitResult): CellFit {
  return {
    params: r.params, logLikelihood: r.logLikelihood, iterations: r.iterations, converged: r.converged,
    ...(r.failed ? { failure: `${r.failed.reason} at iteration ${r.failed.iteration}: ${r.failed.message}` } : {}),
  };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Checks a config; throws ValueError naming the field. */
export function checkSweepConfig(config: SweepConfig): void {
  const op = 'sweep';
  if (!Number.isInteger(config.replications) || config.replications < 1) throw new ValueError(`${op}: replications must be a positive integer, got ${config.replications}`);
  if (!Number.isSafeInteger(config.seed) || config.seed < 0) throw new ValueError(`${op}: seed must be a non-negative safe integer, got ${config.seed}`);
  if (config.design !== undefined && config.design !== 'grid' && config.design !== 'uniform') throw new ValueError(`${op}: design must be 'grid' or 'uniform', got '${String(config.design)}'`);
  if (config.settings.length === 0) throw new ValueError(`${op}: no settings`);
  const names = new Set<string>();
  for (const s of config.settings) {
    if (!NAME.test(s.name)) throw new ValueError(`${op}: setting name '${s.name}' must use letters, digits, '.', '_' and '-' only`);
    if (names.has(s.name)) throw new ValueError(`${op}: two settings are named '${s.name}'`);
    names.add(s.name);
    checkParams(s.truth, `${op} (${s.name})`, true);
    if (!Number.isInteger(s.experts) || s.experts < s.truth.k) throw new ValueError(`${op} (${s.name}): experts must be an integer >= the true k = ${s.truth.k}, got ${s.experts}`);
    if (s.sizes.length === 0) throw new ValueError(`${op} (${s.name}): no sample sizes`);
    for (const n of s.sizes) if (!Number.isSafeInteger(n) || n < 1) throw new ValueError(`${op} (${s.name}): sample sizes must be positive integers, got ${n}`);
    if (new Set(s.sizes).size !== s.sizes.length) throw new ValueError(`${op} (${s.name}): a sample size is listed twice`);
  }
}

/** The key of a cell. */
export function cellKey(setting: string, n: number, replication: number): string {
  return `${setting}/n-${n}/rep-${replication}`;
}

/** Every cell of a sweep, in run order: setting, then n, then replication. */
export function sweepCells(config: SweepConfig): SweepCell[] {
  checkSweepConfig(config);
  const cells: SweepCell[] = [];
  for (const s of config.settings) {
    for (const n of s.sizes) {
      for (let r = 0; r < config.replications; r++) {
        cells.push({ key: cellKey(s.name, n, r), setting: s.name, n, replication: r, seed: deriveSeed(config.seed, s.name, n, r) });
      }
    }
  }
  return cells;
}

const finiteParams = (p: GaussianMoEParams): boolean =>
  [p.beta1, p.beta0, p.a, p.b, p.nu].every((v) => v.every(Number.isFinite)) && Number.isFinite(p.tau) && p.nu.every((v) => v > 0) && p.tau > 0;

/** The losses of a fit against the truth (Voronoi losses, per-parameter errors, density distances). */
export function cellLosses(fit: GaussianMoEParams, truth: GaussianMoEParams, config: Pick<SweepConfig, 'voronoi' | 'density'>): CellLosses {
  const pe = parameterErrors(fit, truth, config.voronoi);
  const losses: CellLosses = {
    d1: voronoiD1(fit, truth, config.voronoi), d2: voronoiD2(fit, truth, config.voronoi), weights: pe.weights,
    single: pe.single, multi: pe.multi, cellSizes: pe.cells.map((c) => c.length),
  };
  if (config.density !== false) {
    const dd = densityDistances(fit, truth, config.density ?? {});
    Object.assign(losses, { hellinger: dd.hellinger, totalVariation: dd.totalVariation, hellingerError: dd.hellingerError, totalVariationError: dd.totalVariationError });
  }
  return losses;
}

/**
 * Computes one cell from its seed alone: draws the sample (seed derived with 'data'), the start
 * ('init'), fits, and measures the fit. The same config and cell give the same record. An
 * estimator that throws or reports a failure gives a 'failed' record (with the reason) instead
 * of an exception, so one bad replication never stops a sweep.
 */
export function runCell(config: SweepConfig, cell: SweepCell, hooks: Partial<SweepHooks> = {}): SweepRecord {
  const h: SweepHooks = { ...emSweepHooks, ...hooks };
  const setting = config.settings.find((s) => s.name === cell.setting);
  if (!setting) throw new ValueError(`runCell: no setting named '${cell.setting}' in the config`);
  const base = { key: cell.key, setting: cell.setting, n: cell.n, replication: cell.replication, seed: cell.seed };
  const data = h.sample(setting.truth, cell.n, deriveSeed(cell.seed, 'data'), config);
  const init = h.init(setting.truth, setting.experts, deriveSeed(cell.seed, 'init'), config);
  let fit: CellFit;
  try {
    fit = h.fit(data, init, config);
  } catch (e) {
    return { ...base, status: 'failed', failure: `the estimator threw: ${(e as Error).message}`, iterations: 0, logLikelihood: null, losses: null, fit: null };
  }
  const finite = finiteParams(fit.params);
  const status: CellStatus = fit.failure !== undefined || !finite || !Number.isFinite(fit.logLikelihood) ? 'failed' : fit.converged ? 'ok' : 'not-converged';
  const failure = fit.failure ?? (!finite ? 'non-finite parameters' : !Number.isFinite(fit.logLikelihood) ? `log-likelihood ${fit.logLikelihood}` : undefined);
  return {
    ...base, status, ...(status === 'failed' && failure !== undefined ? { failure } : {}),
    iterations: fit.iterations,
    logLikelihood: Number.isFinite(fit.logLikelihood) ? fit.logLikelihood : null,
    losses: finite ? cellLosses(fit.params, setting.truth, config) : null,
    fit: finite ? paramsToJson(fit.params) : null,
  };
}

/** Options of `runSweep`. */
export interface RunSweepOptions {
  /** Replacements for the default steps (`emSweepHooks`). */
  hooks?: Partial<SweepHooks>;
  /** Run only the cells this accepts (e.g. one (setting, n) block); the others are neither run nor returned. */
  filter?: (cell: SweepCell) => boolean;
  /** Called after each computed record (not for cells found in the store). */
  onRecord?: (record: SweepRecord, progress: { done: number; total: number }) => void;
}

/** What `runSweep` did. */
export interface SweepRun {
  /** Records of the selected cells in cell order, from the store or just computed. */
  records: SweepRecord[];
  /** Cells computed now. */
  computed: number;
  /** Cells found already in the store (a resumed sweep). */
  resumed: number;
}

/**
 * Runs the cells of `config` not yet in `store`, appending each record as soon as it is
 * computed (awaited, so a durable store has it before the next cell starts). Cells already in the
 * store are skipped, so a killed sweep continues where it stopped; a record in the store is
 * trusted as is (the store must belong to the same config).
 */
export async function runSweep(config: SweepConfig, store: ResultStore, options: RunSweepOptions = {}): Promise<SweepRun> {
  const cells = sweepCells(config).filter((c) => (options.filter ? options.filter(c) : true));
  let computed = 0;
  let resumed = 0;
  for (const cell of cells) {
    if (await store.has(cell.key)) {
      resumed++;
      continue;
    }
    const record = runCell(config, cell, options.hooks);
    await store.append(record);
    computed++;
    options.onRecord?.(record, { done: computed + resumed, total: cells.length });
  }
  const byKey = new Map((await store.all()).map((r) => [r.key, r]));
  const records = cells.map((c) => byKey.get(c.key)).filter((r): r is SweepRecord => r !== undefined);
  return { records, computed, resumed };
}
