import { ShapeError, ValueError } from '@nonlinear/tensor';
import type { GaussianMoEParams } from './params.js';

/** A sample to fit: inputs x (n d, row-major) and responses y (n), float64. */
export interface GaussianMoEData {
  /** Inputs (n d), row-major. */
  x: Float64Array;
  /** Responses (n). */
  y: Float64Array;
}

/**
 * Why a fit stopped without converging:
 * - 'non-finite': the log-likelihood (or a parameter) became NaN or infinite;
 * - 'variance-collapse': an expert's variance fell below the floor (it sits on a few points
 *   and the likelihood is unbounded there);
 * - 'likelihood-decrease': the log-likelihood went down by more than round-off, which an
 *   (generalized) EM or line-search step must never do;
 * - 'degenerate-expert': an expert's weighted least-squares system is singular (its
 *   responsibilities vanish or sit on at most d points).
 */
export type FitFailureReason = 'non-finite' | 'variance-collapse' | 'likelihood-decrease' | 'degenerate-expert';

/** A failed fit's diagnosis. */
export interface FitFailure {
  /** The kind of failure. */
  reason: FitFailureReason;
  /** The iteration at which it was detected. */
  iteration: number;
  /** What exactly went wrong (which expert, which values). */
  message: string;
}

/** The outcome of {@link fitEM} or {@link fitMLE}. */
export interface FitResult {
  /**
   * The estimate: on success the last iterate; on failure the last iterate whose
   * log-likelihood was finite and not lower than its predecessor's.
   */
  params: GaussianMoEParams;
  /** The log-likelihood of `params` on the data (a sum over samples). */
  logLikelihood: number;
  /** Updates applied (EM iterations, or L-BFGS iterations for fitMLE). */
  iterations: number;
  /** Whether the stopping rule (relative log-likelihood change below the tolerance) was met. */
  converged: boolean;
  /** Set when the fit stopped on a failure instead of converging or running out of iterations. */
  failed?: FitFailure;
  /** The log-likelihood after each update, the initial value first (empty when `history: false`). */
  history: number[];
}

/** Checks a data set against d and that every value is finite; returns n. */
export function checkFitData(op: string, data: GaussianMoEData, d: number): number {
  const { x, y } = data;
  if (!(x instanceof Float64Array) || !(y instanceof Float64Array)) throw new ValueError(`${op}: data.x and data.y must be Float64Arrays`);
  if (x.length !== y.length * d) throw new ShapeError(`${op}: data.x has ${x.length} values, expected n d = ${y.length} * ${d}`);
  if (y.length === 0) throw new ValueError(`${op}: the data set is empty`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) throw new ValueError(`${op}: data.x[${i}] is ${x[i]}`);
  for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i]!)) throw new ValueError(`${op}: data.y[${i}] is ${y[i]}`);
  return y.length;
}

/** Positive-integer and positive-number option checks with the option named in the error. */
export function checkOption(op: string, name: string, v: number, integer: boolean, min = 0): void {
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new ValueError(`${op}: ${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${v}`);
  }
}
