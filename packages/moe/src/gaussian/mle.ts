import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { LBFGS } from '@nonlinear/nn';
import { logLikelihood } from './density.js';
import { checkFitData, checkOption, type FitFailure, type FitResult, type GaussianMoEData } from './fit-result.js';
import { checkParams, cloneParams, type GaussianMoEParams } from './params.js';
import { gateActivation, type GateActivation } from './sigma.js';

/** Options of {@link fitMLE}. */
export interface MLEOptions {
  /** At most this many L-BFGS iterations in all (default 2000). */
  maxIterations?: number;
  /** L-BFGS iterations between two checks of the stopping rule (default 20). */
  checkEvery?: number;
  /** Stop when the log-likelihood changes by at most tolerance |LL| between two checks (default 1e-9). */
  tolerance?: number;
  /** Estimate tau (temperature and activation gates; default true). False keeps the initial tau. */
  fitTau?: boolean;
  /** L-BFGS curvature pairs kept (default 20). */
  historySize?: number;
  /** A log-likelihood drop beyond decreaseTolerance max(1, |LL|) between checks is a failure (default 1e-10). */
  decreaseTolerance?: number;
}

const HALF_LOG_2PI = 0.9189385332046728;

const F64 = { device: 'cpu', dtype: 'float64' } as const;

/** The unconstrained coordinates the MLE optimises, as cpu float64 leaf tensors. */
export interface Coordinates {
  /** Gate slopes of the non-reference experts (k - 1, d). */
  beta1: Tensor;
  /** Gate intercepts of the non-reference experts (k - 1). */
  beta0: Tensor;
  /** log tau (1), or null when tau is fixed. */
  logTau: Tensor | null;
  /** Expert slopes (k, d). */
  a: Tensor;
  /** Expert intercepts (k). */
  b: Tensor;
  /** Log variances (k). */
  logNu: Tensor;
}

export function coordinatesOf(p: GaussianMoEParams, fitTau: boolean): Coordinates {
  const { k, d } = p;
  const leaf = (v: Float64Array, shape: number[]): Tensor => T.tensor(v, { ...F64, shape, requiresGrad: true });
  return {
    beta1: leaf(p.beta1.slice(0, (k - 1) * d), [k - 1, d]),
    beta0: leaf(p.beta0.slice(0, k - 1), [k - 1]),
    logTau: fitTau && p.gate !== 'softmax' ? leaf(Float64Array.of(Math.log(p.tau)), [1]) : null,
    a: leaf(p.a, [k, d]),
    b: leaf(p.b, [k]),
    logNu: leaf(p.nu.map(Math.log), [k]),
  };
}

function paramsOf(c: Coordinates, like: GaussianMoEParams): GaussianMoEParams {
  const p = cloneParams(like);
  const read = (t: Tensor): Float64Array => Float64Array.from(t.dataSync());
  p.beta1.set(read(c.beta1));
  p.beta0.set(read(c.beta0));
  p.a.set(read(c.a));
  p.b.set(read(c.b));
  p.nu.set(read(c.logNu).map(Math.exp));
  if (c.logTau) p.tau = Math.exp(read(c.logTau)[0]!);
  return p;
}

/**
 * The log-likelihood as tensor ops (differentiable by autograd): the same model as
 * {@link logLikelihood}, written independently, so the two check each other.
 */
export function logLikelihoodOf(c: Coordinates, p: GaussianMoEParams, sigma: GateActivation | null, X: Tensor, Y: Tensor): Tensor {
  const { d } = p;
  const beta1 = T.concat([c.beta1, T.zeros([1, d], F64)], 0);
  const beta0 = T.concat([c.beta0, T.zeros([1], F64)], 0);
  const z = T.matmul(X, beta1.mT);
  let u = T.add(sigma ? sigma.tensor(z) : z, beta0);
  if (c.logTau) u = T.mul(u, T.exp(T.neg(c.logTau)));
  else if (p.gate !== 'softmax') u = T.mul(u, 1 / p.tau);
  const logG = T.logSoftmax(u, 1);
  const mean = T.add(T.matmul(X, c.a.mT), c.b);
  const res = T.sub(T.unsqueeze(Y, 1), mean);
  const logPhi = T.sub(T.sub(T.mul(c.logNu, -0.5), HALF_LOG_2PI), T.mul(T.square(res), T.mul(T.exp(T.neg(c.logNu)), 0.5)));
  return T.sum(T.logsumexp(T.add(logG, logPhi), 1));
}

/**
 * Fits a Gaussian MoE by direct maximum likelihood: L-BFGS (from @nonlinear/nn, strong-Wolfe
 * line search) on the mean negative log-likelihood over unconstrained coordinates (beta1,
 * beta0 of the non-reference experts, log tau, a, b, log nu), with gradients from autograd,
 * in float64 on the cpu backend. `init` is not modified; its reference expert's gate
 * parameters must be 0 and stay 0.
 *
 * The line search only accepts steps that lower the loss, so the log-likelihood recorded every
 * `checkEvery` iterations never decreases; a drop beyond round-off or a non-finite value stops
 * the fit with `failed` set. Slower than {@link fitEM} (tensor ops, autograd); use it as an
 * independent check of EM, or where EM's gate step is the bottleneck.
 */
export async function fitMLE(data: GaussianMoEData, init: GaussianMoEParams, options: MLEOptions = {}): Promise<FitResult> {
  const op = 'fitMLE';
  checkParams(init, op, true);
  const n = checkFitData(op, data, init.d);
  const maxIterations = options.maxIterations ?? 2000;
  const checkEvery = options.checkEvery ?? 20;
  const tolerance = options.tolerance ?? 1e-9;
  const decreaseTolerance = options.decreaseTolerance ?? 1e-10;
  checkOption(op, 'maxIterations', maxIterations, true);
  checkOption(op, 'checkEvery', checkEvery, true, 1);
  checkOption(op, 'tolerance', tolerance, false);
  checkOption(op, 'historySize', options.historySize ?? 20, true, 1);
  checkOption(op, 'decreaseTolerance', decreaseTolerance, false);
  const sigma = init.gate === 'activation' ? gateActivation(init.activation, op) : null;
  const X = T.tensor(data.x, { ...F64, shape: [n, init.d] });
  const Y = T.tensor(data.y, F64);
  const c = coordinatesOf(init, options.fitTau ?? true);
  // With k = 1 the gate has no coordinates (empty tensors are left out of the optimizer).
  const leaves = [c.beta1, c.beta0, c.a, c.b, c.logNu, ...(c.logTau ? [c.logTau] : [])].filter((t) => t.size > 0);
  const opt = new LBFGS(leaves, {
    maxIter: checkEvery, maxEval: 4 * checkEvery, lineSearch: 'strongWolfe', historySize: options.historySize ?? 20, toleranceGrad: 1e-12, toleranceChange: 1e-15,
  });
  const closure = (): Tensor => {
    opt.zeroGrad();
    const loss = T.tidy(() => T.mul(logLikelihoodOf(c, init, sigma, X, Y), -1 / n));
    loss.backward();
    return loss;
  };
  const history: number[] = [];
  try {
    let prev = cloneParams(init);
    let prevLL = logLikelihood(prev, data.x, data.y);
    history.push(prevLL);
    if (!Number.isFinite(prevLL)) {
      return { params: prev, logLikelihood: prevLL, iterations: 0, converged: false, history, failed: { reason: 'non-finite', iteration: 0, message: `the log-likelihood at the start is ${prevLL}` } };
    }
    let done = 0;
    while (true) {
      if (done >= maxIterations) return { params: prev, logLikelihood: prevLL, iterations: done, converged: false, history };
      // maxEval bounds closure calls per step() (line-search trials included), not iterations.
      opt.paramGroups[0]!.maxIter = Math.min(checkEvery, maxIterations - done);
      const before = (opt.getState(leaves[0]!)?.nIter as number | undefined) ?? 0;
      await opt.step(closure);
      const ran = ((opt.getState(leaves[0]!)?.nIter as number | undefined) ?? 0) - before;
      const p = paramsOf(c, init);
      const ll = logLikelihood(p, data.x, data.y);
      const fail = (reason: FitFailure['reason'], message: string): FitResult => ({
        params: prev, logLikelihood: prevLL, iterations: done, converged: false, history, failed: { reason, iteration: done + ran, message },
      });
      if (!Number.isFinite(ll)) return fail('non-finite', `the log-likelihood is ${ll}`);
      if (ll < prevLL - decreaseTolerance * Math.max(1, Math.abs(prevLL))) return fail('likelihood-decrease', `the log-likelihood fell from ${prevLL} to ${ll}`);
      done += Math.max(ran, 1);
      history.push(ll);
      const converged = Math.abs(ll - prevLL) <= tolerance * Math.abs(prevLL);
      prev = p;
      prevLL = ll;
      if (converged) return { params: p, logLikelihood: ll, iterations: done, converged: true, history };
    }
  } finally {
    opt.zeroGrad();
    for (const t of [c.beta1, c.beta0, c.a, c.b, c.logNu, ...(c.logTau ? [c.logTau] : []), X, Y]) t.dispose();
  }
}
