/** Parameters of the Gaussian mixture of experts p(y|x) = sum_i g_i(x) N(y | a_i.x + b_i, nu_i). */

/** How the gate turns x into mixing weights (spec moe.md). */
export type GaussianGateKind = 'softmax' | 'temperature' | 'activation';

/**
 * A Gaussian MoE with k experts on inputs in R^d, as plain float64 data (row-major), so
 * estimators, losses and sweeps can pass it around and serialise it without a backend.
 * The gate is identifiable only up to translation: the last expert is the reference, its
 * beta1 row and beta0 are 0.
 */
export interface GaussianMoEParams {
  k: number;
  d: number;
  gate: GaussianGateKind;
  /** Gate slopes beta_1, (k, d). */
  beta1: Float64Array;
  /** Gate intercepts beta_0, (k). */
  beta0: Float64Array;
  /** Temperature tau (1 and fixed for the softmax gate). */
  tau: number;
  /** The activation sigma of the activation gate, a registered name (tanh, sigmoid, gelu, ...). */
  activation?: string;
  /** Expert slopes a, (k, d). */
  a: Float64Array;
  /** Expert intercepts b, (k). */
  b: Float64Array;
  /** Expert variances nu, (k). */
  nu: Float64Array;
}
