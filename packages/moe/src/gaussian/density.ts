import { ValueError } from '@nonlinear/tensor';
import { addExpertLogPdf, checkData, eStep, gateLogitsInto, logSoftmaxRowsInPlace } from './kernels.js';
import { checkParams, type GaussianMoEParams } from './params.js';

/**
 * The gate's mixing weights g_i(x) for each row of x (n d, row-major): a Float64Array (n k),
 * row s holding g_1(x_s) .. g_k(x_s), which sum to 1.
 */
export function gateWeights(params: GaussianMoEParams, x: Float64Array): Float64Array {
  checkParams(params, 'gateWeights');
  const n = checkData('gateWeights', params.d, x);
  const g = new Float64Array(n * params.k);
  gateLogitsInto(params, x, n, g);
  logSoftmaxRowsInPlace(g, n, params.k);
  for (let i = 0; i < g.length; i++) g[i] = Math.exp(g[i]!);
  return g;
}

/** log p(y_s | x_s) for each sample: a Float64Array (n). */
export function logDensity(params: GaussianMoEParams, x: Float64Array, y: Float64Array): Float64Array {
  checkParams(params, 'logDensity');
  const n = checkData('logDensity', params.d, x, y);
  const out = new Float64Array(n);
  eStep(params, x, y, n, null, out);
  return out;
}

/** The log-likelihood sum_s log p(y_s | x_s) of a sample (x (n d), y (n)), in float64. */
export function logLikelihood(params: GaussianMoEParams, x: Float64Array, y: Float64Array): number {
  checkParams(params, 'logLikelihood');
  const n = checkData('logLikelihood', params.d, x, y);
  return eStep(params, x, y, n, null);
}

/**
 * The conditional density p(y | x) on a grid: for each row of x (m d) and each y of `yGrid`
 * (G values), a Float64Array (m G), row s holding p(yGrid[t] | x_s). For plots, and for
 * Hellinger / total-variation distances by numerical integration over y.
 */
export function conditionalDensity(params: GaussianMoEParams, x: Float64Array, yGrid: Float64Array | readonly number[]): Float64Array {
  checkParams(params, 'conditionalDensity');
  const m = checkData('conditionalDensity', params.d, x);
  const G = yGrid.length;
  for (let t = 0; t < G; t++) {
    if (!Number.isFinite(yGrid[t]!)) throw new ValueError(`conditionalDensity: yGrid[${t}] is ${yGrid[t]}`);
  }
  const { k, d } = params;
  const logg = new Float64Array(m * k);
  gateLogitsInto(params, x, m, logg);
  logSoftmaxRowsInPlace(logg, m, k);
  // Each x row repeated G times against the grid: one pass of the shared loops per row of x.
  const xs = new Float64Array(G * d);
  const ys = Float64Array.from(yGrid);
  const v = new Float64Array(G * k);
  const out = new Float64Array(m * G);
  for (let s = 0; s < m; s++) {
    for (let t = 0; t < G; t++) for (let j = 0; j < d; j++) xs[t * d + j] = x[s * d + j]!;
    for (let t = 0; t < G; t++) for (let i = 0; i < k; i++) v[t * k + i] = logg[s * k + i]!;
    addExpertLogPdf(params, xs, ys, G, v);
    for (let t = 0; t < G; t++) {
      let m = -Infinity;
      for (let i = 0; i < k; i++) m = Math.max(m, v[t * k + i]!);
      let acc = 0;
      for (let i = 0; i < k; i++) acc += Math.exp(v[t * k + i]! - m);
      out[s * G + t] = Math.exp(m) * acc;
    }
  }
  return out;
}
