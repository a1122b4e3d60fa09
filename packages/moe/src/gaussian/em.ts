import { checkFitData, checkOption, type FitFailure, type FitResult, type GaussianMoEData } from './fit-result.js';
import { GateStep } from './gate-step.js';
import { eStep } from './kernels.js';
import { choleskySolve } from './linalg.js';
import { checkParams, cloneParams, type GaussianMoEParams } from './params.js';

/** Options of {@link fitEM}. */
export interface EMOptions {
  /** At most this many EM iterations (default 2000, the protocol's). */
  maxIterations?: number;
  /** Stop when |LL_t - LL_{t-1}| <= tolerance |LL_{t-1}| (default 1e-6, the protocol's). */
  tolerance?: number;
  /** An expert variance below this is a 'variance-collapse' failure (default 1e-8). */
  varianceFloor?: number;
  /** Damped Newton steps of the gate per M-step (default 1: a generalized-EM step). */
  gateSteps?: number;
  /** Estimate tau (temperature and activation gates; default true). False keeps the initial tau. */
  fitTau?: boolean;
  /**
   * A log-likelihood drop larger than decreaseTolerance max(1, |LL|) is a
   * 'likelihood-decrease' failure (default 1e-10; smaller drops are summation round-off).
   */
  decreaseTolerance?: number;
  /** Record the log-likelihood of every iteration in `history` (default true). */
  history?: boolean;
}

/**
 * Fits a Gaussian MoE by EM in float64, from `init` (not modified; its reference expert's gate
 * parameters must be 0, see {@link fixReference}).
 *
 * - E-step: responsibilities r_si = g_i(x_s) N(y_s | a_i.x_s + b_i, nu_i) / p(y_s | x_s).
 * - M-step, experts (closed form, exact): weighted least squares of y on (x, 1) with weights
 *   r_.i for (a_i, b_i), then nu_i the weighted mean squared residual.
 * - M-step, gate: damped Newton ascent with a backtracking line search on the expected
 *   complete log-likelihood (IRLS for the softmax gate; tau estimated on the log scale), a
 *   generalized-EM step that never lowers it; the reference expert stays fixed at 0.
 *
 * So the log-likelihood never decreases; a drop beyond round-off is reported as a failure,
 * as are non-finite values, a variance below the floor and a singular expert, instead of
 * iterating on. Stops when the relative log-likelihood change is at most `tolerance`.
 */
export function fitEM(data: GaussianMoEData, init: GaussianMoEParams, options: EMOptions = {}): FitResult {
  const op = 'fitEM';
  checkParams(init, op, true);
  const n = checkFitData(op, data, init.d);
  const maxIterations = options.maxIterations ?? 2000;
  const tolerance = options.tolerance ?? 1e-6;
  const varianceFloor = options.varianceFloor ?? 1e-8;
  const gateSteps = options.gateSteps ?? 1;
  const decreaseTolerance = options.decreaseTolerance ?? 1e-10;
  checkOption(op, 'maxIterations', maxIterations, true);
  checkOption(op, 'tolerance', tolerance, false);
  checkOption(op, 'varianceFloor', varianceFloor, false);
  checkOption(op, 'gateSteps', gateSteps, true, 1);
  checkOption(op, 'decreaseTolerance', decreaseTolerance, false);
  const { x, y } = data;
  const k = init.k;
  const p = cloneParams(init);
  const gate = new GateStep(p, options.fitTau ?? true);
  const experts = new ExpertStep(k, init.d);
  const r = new Float64Array(n * k);
  const history: number[] = [];
  const record = options.history ?? true;
  let prev = cloneParams(p);
  let prevLL = NaN;
  const stop = (params: GaussianMoEParams, ll: number, it: number, converged: boolean, failed?: FitFailure): FitResult => ({
    params, logLikelihood: ll, iterations: it, converged, history, ...(failed ? { failed } : {}),
  });
  for (let it = 0; ; it++) {
    const ll = eStep(p, x, y, n, r);
    if (!Number.isFinite(ll)) {
      const failure: FitFailure = { reason: 'non-finite', iteration: it, message: `the log-likelihood is ${ll} after ${it} iterations` };
      return it === 0 ? stop(p, ll, 0, false, failure) : stop(prev, prevLL, it - 1, false, failure);
    }
    if (it > 0 && ll < prevLL - decreaseTolerance * Math.max(1, Math.abs(prevLL))) {
      return stop(prev, prevLL, it - 1, false, { reason: 'likelihood-decrease', iteration: it, message: `the log-likelihood fell from ${prevLL} to ${ll}` });
    }
    if (record) history.push(ll);
    if (it > 0 && Math.abs(ll - prevLL) <= tolerance * Math.abs(prevLL)) return stop(p, ll, it, true);
    if (it === maxIterations) return stop(p, ll, it, false);
    prev = cloneParams(p);
    prevLL = ll;
    const failure = experts.run(p, x, y, r, n, varianceFloor);
    if (failure) return stop(prev, prevLL, it, false, { ...failure, iteration: it + 1 });
    gate.run(p, x, r, n, gateSteps);
  }
}

/** The experts' closed-form M-step: weighted least squares, then the weighted residual variance. */
class ExpertStep {
  private readonly m: number;
  private readonly A: Float64Array;
  private readonly rhs: Float64Array;
  private readonly sol: Float64Array;
  private readonly mass: Float64Array;
  private readonly ss: Float64Array;

  constructor(private readonly k: number, private readonly d: number) {
    this.m = d + 1;
    this.A = new Float64Array(k * this.m * this.m);
    this.rhs = new Float64Array(k * this.m);
    this.sol = new Float64Array(this.m);
    this.mass = new Float64Array(k);
    this.ss = new Float64Array(k);
  }

  /** Updates a, b, nu of p in place; returns a failure (without a valid p) or null. */
  run(p: GaussianMoEParams, x: Float64Array, y: Float64Array, r: Float64Array, n: number, floor: number): Omit<FitFailure, 'iteration'> | null {
    const { k, d, m, A, rhs, sol, mass: w, ss } = this;
    const mm = m * m;
    A.fill(0);
    rhs.fill(0);
    // Normal equations for the features (x, 1), upper triangle, all experts in one pass.
    for (let s = 0; s < n; s++) {
      const ys = y[s]!;
      const xo = s * d;
      for (let i = 0; i < k; i++) {
        const w = r[s * k + i]!;
        if (w === 0) continue;
        const ao = i * mm;
        const ro = i * m;
        for (let a = 0; a < d; a++) {
          const wx = w * x[xo + a]!;
          for (let b = a; b < d; b++) A[ao + a * m + b] = A[ao + a * m + b]! + wx * x[xo + b]!;
          A[ao + a * m + d] = A[ao + a * m + d]! + wx;
          rhs[ro + a] = rhs[ro + a]! + wx * ys;
        }
        A[ao + d * m + d] = A[ao + d * m + d]! + w;
        rhs[ro + d] = rhs[ro + d]! + w * ys;
      }
    }
    for (let i = 0; i < k; i++) {
      const Ai = A.subarray(i * mm, (i + 1) * mm);
      for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) Ai[a * m + b] = Ai[b * m + a]!;
      const mass = Ai[d * m + d]!;
      if (!(mass > 1e-12 * n) || !choleskySolve(Ai, m, rhs.subarray(i * m, (i + 1) * m), sol)) {
        return { reason: 'degenerate-expert', message: `expert ${i}'s weighted least-squares system is singular (total responsibility ${mass})` };
      }
      for (let j = 0; j < d; j++) p.a[i * d + j] = sol[j]!;
      p.b[i] = sol[d]!;
      w[i] = mass;
    }
    ss.fill(0);
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < k; i++) {
        let mu = p.b[i]!;
        for (let j = 0; j < d; j++) mu += p.a[i * d + j]! * x[s * d + j]!;
        const e = y[s]! - mu;
        ss[i] = ss[i]! + r[s * k + i]! * e * e;
      }
    }
    for (let i = 0; i < k; i++) {
      const nu = ss[i]! / w[i]!;
      if (!Number.isFinite(nu)) return { reason: 'non-finite', message: `expert ${i}'s variance update is ${nu}` };
      if (nu < floor) return { reason: 'variance-collapse', message: `expert ${i}'s variance ${nu} fell below the floor ${floor}` };
      p.nu[i] = nu;
    }
    return null;
  }
}
