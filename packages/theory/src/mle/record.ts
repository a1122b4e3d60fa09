/** One computed cell of an MLE sweep, as stored (JSON-ready: numbers, strings, arrays). */
import type { GaussianMoEParamsJson } from './params-json.js';
import type { ParameterGroupErrors } from './voronoi.js';

/**
 * How a cell's fit ended: 'ok' (converged), 'not-converged' (ran out of iterations; its losses
 * are used and the count is reported), 'failed' (the estimator reported a failure or threw; left
 * out of every rate fit and counted).
 */
export type CellStatus = 'ok' | 'not-converged' | 'failed';

/** The losses of one fit against the truth. */
export interface CellLosses {
  /** Exact-specified Voronoi loss D1 (see `voronoiD1`). */
  d1: number;
  /** Over-specified Voronoi loss D2 (see `voronoiD2`); equals d1 when every cell holds one atom. */
  d2: number;
  /** The mixing-weight part of both. */
  weights: number;
  /** Gate-weighted first-power errors of atoms alone in their cell. */
  single: ParameterGroupErrors;
  /** The same for atoms sharing a cell. */
  multi: ParameterGroupErrors;
  /** Number of fitted atoms in each true atom's Voronoi cell. */
  cellSizes: number[];
  /** Mean Hellinger distance of the conditional densities over x (absent when density distances are off). */
  hellinger?: number;
  /** Mean total-variation distance over x. */
  totalVariation?: number;
  /** Quadrature error estimate of `hellinger` (see `densityDistances`). */
  hellingerError?: number;
  /** Quadrature error estimate of `totalVariation`. */
  totalVariationError?: number;
}

/** The stored result of one (setting, n, replication) cell. */
export interface SweepRecord {
  /** `<setting>/n-<n>/rep-<replication>`, unique in a sweep. */
  key: string;
  /** The setting's name. */
  setting: string;
  /** Sample size. */
  n: number;
  /** Replication index, 0-based. */
  replication: number;
  /** The cell's seed (derived from the sweep seed and the three coordinates). */
  seed: number;
  /** How the fit ended. */
  status: CellStatus;
  /** What failed, for a failed cell. */
  failure?: string;
  /** Estimator iterations (0 when it threw). */
  iterations: number;
  /** Final log-likelihood on the cell's sample (null when not finite). */
  logLikelihood: number | null;
  /** Losses of the fit; null when there is no finite fit to measure. */
  losses: CellLosses | null;
  /** The fitted parameters; null when the estimator threw. */
  fit: GaussianMoEParamsJson | null;
}
