import { ValueError } from '@nonlinear/tensor';
import { gateWeights } from './density.js';
import { checkParams, type GaussianMoEParams } from './params.js';
import { withSeed } from './rng.js';

/** Options of {@link sampleGaussianMoE}. */
export interface SampleOptions {
  /** Seed of the draws (a non-negative integer): the same seed gives the same sample. */
  seed: number;
  /**
   * The inputs: 'grid' (linspace(0, 1, n), the protocol's default; d = 1 only), 'uniform'
   * (independent U[0, 1) coordinates) or given values (n d, row-major). Default: 'grid' for
   * d = 1, 'uniform' otherwise.
   */
  x?: 'grid' | 'uniform' | Float64Array;
}

/** A sample (x_s, y_s), s = 1..n, from a Gaussian MoE. */
export interface GaussianMoESample {
  /** Inputs (n d), row-major. */
  x: Float64Array;
  /** Responses (n). */
  y: Float64Array;
  /** The expert that generated each response (n), the latent label. */
  z: Int32Array;
  /** Sample size. */
  n: number;
  /** Input dimension. */
  d: number;
}

/**
 * Draws n pairs from p(y|x) = sum_i g_i(x) N(y | a_i.x + b_i, nu_i): the expert of sample s is
 * drawn from the gate weights g(x_s) by inversion of one uniform, then y_s = a.x_s + b +
 * sqrt(nu) eps_s with eps_s standard normal. Reproducible: the draws come from the tensor
 * package's seeded counter-based generator (see {@link SampleOptions.seed}).
 */
export function sampleGaussianMoE(params: GaussianMoEParams, n: number, options: SampleOptions): GaussianMoESample {
  const op = 'sampleGaussianMoE';
  checkParams(params, op);
  if (!Number.isSafeInteger(n) || n < 1) throw new ValueError(`${op}: n must be a positive integer, got ${n}`);
  const { k, d } = params;
  const xOpt = options.x ?? (d === 1 ? 'grid' : 'uniform');
  if (xOpt === 'grid' && d !== 1) throw new ValueError(`${op}: x 'grid' is linspace(0, 1, n) and needs d = 1 (d = ${d}); use 'uniform' or pass x`);
  if (typeof xOpt !== 'string' && !(xOpt instanceof Float64Array)) throw new ValueError(`${op}: x must be 'grid', 'uniform' or a Float64Array, got ${String(xOpt)}`);
  if (xOpt instanceof Float64Array && xOpt.length !== n * d) throw new ValueError(`${op}: the given x has ${xOpt.length} values, expected n d = ${n * d}`);
  if (typeof xOpt === 'string' && xOpt !== 'grid' && xOpt !== 'uniform') throw new ValueError(`${op}: x must be 'grid', 'uniform' or a Float64Array, got '${xOpt}'`);
  return withSeed(op, options.seed, (draw) => {
    let x: Float64Array;
    if (xOpt === 'grid') {
      x = new Float64Array(n);
      for (let s = 0; s < n; s++) x[s] = n === 1 ? 0 : s / (n - 1);
    } else if (xOpt === 'uniform') x = draw.uniform(n * d);
    else x = Float64Array.from(xOpt);
    const u = draw.uniform(n);
    const eps = draw.normal(n);
    const g = gateWeights(params, x);
    const y = new Float64Array(n);
    const z = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      let i = 0;
      let acc = g[s * k]!;
      while (i < k - 1 && u[s]! >= acc) acc += g[s * k + ++i]!;
      let m = params.b[i]!;
      for (let j = 0; j < d; j++) m += params.a[i * d + j]! * x[s * d + j]!;
      y[s] = m + Math.sqrt(params.nu[i]!) * eps[s]!;
      z[s] = i;
    }
    return { x, y, z, n, d };
  });
}
