import { ShapeError, ValueError } from '@nonlinear/tensor';

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
  /** Number of experts. */
  k: number;
  /** Input dimension. */
  d: number;
  /** The gate's kind. */
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

/** A deep copy (fresh arrays), so a fit never aliases the parameters it started from. */
export function cloneParams(p: GaussianMoEParams): GaussianMoEParams {
  return {
    k: p.k, d: p.d, gate: p.gate, tau: p.tau, ...(p.activation !== undefined ? { activation: p.activation } : {}),
    beta1: Float64Array.from(p.beta1), beta0: Float64Array.from(p.beta0), a: Float64Array.from(p.a), b: Float64Array.from(p.b), nu: Float64Array.from(p.nu),
  };
}

/**
 * Checks sizes and values: k >= 1 and d >= 1 integers, array lengths (k d or k), finite
 * entries, nu > 0, tau > 0 (exactly 1 for the softmax gate), an activation only for the
 * activation gate. `requireReference` also demands the reference (last) expert's gate
 * parameters be 0, as the estimators do. Throws ShapeError / ValueError naming `op`.
 */
export function checkParams(p: GaussianMoEParams, op: string, requireReference = false): void {
  if (!Number.isInteger(p.k) || p.k < 1) throw new ValueError(`${op}: k must be a positive integer, got ${p.k}`);
  if (!Number.isInteger(p.d) || p.d < 1) throw new ValueError(`${op}: d must be a positive integer, got ${p.d}`);
  if (p.gate !== 'softmax' && p.gate !== 'temperature' && p.gate !== 'activation') {
    throw new ValueError(`${op}: gate must be 'softmax', 'temperature' or 'activation', got '${String(p.gate)}'`);
  }
  const sizes: [keyof GaussianMoEParams, number][] = [['beta1', p.k * p.d], ['beta0', p.k], ['a', p.k * p.d], ['b', p.k], ['nu', p.k]];
  for (const [name, want] of sizes) {
    const v = p[name] as Float64Array;
    if (!(v instanceof Float64Array)) throw new ValueError(`${op}: params.${name} must be a Float64Array`);
    if (v.length !== want) throw new ShapeError(`${op}: params.${name} has ${v.length} entries, expected ${want} (k = ${p.k}, d = ${p.d})`);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) throw new ValueError(`${op}: params.${name}[${i}] is ${v[i]}`);
    }
  }
  for (let i = 0; i < p.k; i++) {
    if (!(p.nu[i]! > 0)) throw new ValueError(`${op}: variances must be positive, got nu[${i}] = ${p.nu[i]}`);
  }
  if (!(p.tau > 0) || !Number.isFinite(p.tau)) throw new ValueError(`${op}: tau must be positive and finite, got ${p.tau}`);
  if (p.gate === 'softmax' && p.tau !== 1) throw new ValueError(`${op}: the softmax gate has tau = 1, got ${p.tau} (use gate 'temperature')`);
  if (p.gate !== 'activation' && p.activation !== undefined) {
    throw new ValueError(`${op}: params.activation ('${p.activation}') is only read by the activation gate, but gate is '${p.gate}'`);
  }
  if (requireReference) {
    const r = p.k - 1;
    let off = p.beta0[r] !== 0;
    for (let j = 0; j < p.d; j++) off ||= p.beta1[r * p.d + j] !== 0;
    if (off) throw new ValueError(`${op}: the reference (last) expert's gate parameters beta1[${r}] and beta0[${r}] must be 0; see fixReference`);
  }
}

/**
 * The same model with the reference (last) expert's gate parameters at 0. Softmax and
 * temperature gates are invariant to translating every (beta1_i, beta0_i) by the same vector,
 * so the last row is subtracted from all rows. The activation gate is invariant to translating
 * beta0 only (sigma is nonlinear), so beta0 is shifted and a nonzero last beta1 row is an error.
 */
export function fixReference(p: GaussianMoEParams): GaussianMoEParams {
  checkParams(p, 'fixReference');
  const q = cloneParams(p);
  const r = p.k - 1;
  for (let i = 0; i < p.k; i++) q.beta0[i] = p.beta0[i]! - p.beta0[r]!;
  if (p.gate === 'activation') {
    for (let j = 0; j < p.d; j++) {
      if (p.beta1[r * p.d + j] !== 0) {
        throw new ValueError(`fixReference: the activation gate is not invariant to translating beta1 (sigma is nonlinear); the last expert's beta1 must already be 0, got ${p.beta1[r * p.d + j]} at dim ${j}`);
      }
    }
  } else {
    for (let i = 0; i < p.k; i++) for (let j = 0; j < p.d; j++) q.beta1[i * p.d + j] = p.beta1[i * p.d + j]! - p.beta1[r * p.d + j]!;
  }
  return q;
}
