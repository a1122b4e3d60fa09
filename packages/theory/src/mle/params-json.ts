/** Gaussian MoE parameters as JSON (plain arrays), for result records that go to disk. */
import { ValueError } from '@nonlinear/tensor';
import type { GaussianGateKind, GaussianMoEParams } from '@nonlinear/moe';

/** `GaussianMoEParams` with plain number arrays, as stored in sweep records. */
export interface GaussianMoEParamsJson {
  /** Experts. */
  k: number;
  /** Input dimension. */
  d: number;
  /** The gate kind. */
  gate: GaussianGateKind;
  /** Temperature. */
  tau: number;
  /** The activation of an activation gate. */
  activation?: string;
  /** Gate slopes (k d), row-major. */
  beta1: number[];
  /** Gate intercepts (k). */
  beta0: number[];
  /** Expert slopes (k d), row-major. */
  a: number[];
  /** Expert intercepts (k). */
  b: number[];
  /** Expert variances (k). */
  nu: number[];
}

/** The parameters as JSON-ready data (float64 values survive JSON text exactly). */
export function paramsToJson(p: GaussianMoEParams): GaussianMoEParamsJson {
  return {
    k: p.k, d: p.d, gate: p.gate, tau: p.tau, ...(p.activation !== undefined ? { activation: p.activation } : {}),
    beta1: Array.from(p.beta1), beta0: Array.from(p.beta0), a: Array.from(p.a), b: Array.from(p.b), nu: Array.from(p.nu),
  };
}

/** The inverse of `paramsToJson`. @throws ValueError when a field is missing or not a number array. */
export function paramsFromJson(j: GaussianMoEParamsJson): GaussianMoEParams {
  const arr = (name: keyof GaussianMoEParamsJson): Float64Array => {
    const v = j[name];
    if (!Array.isArray(v) || v.some((e) => typeof e !== 'number')) throw new ValueError(`paramsFromJson: ${name} must be an array of numbers`);
    return Float64Array.from(v as number[]);
  };
  return {
    k: j.k, d: j.d, gate: j.gate, tau: j.tau, ...(j.activation !== undefined ? { activation: j.activation } : {}),
    beta1: arr('beta1'), beta0: arr('beta0'), a: arr('a'), b: arr('b'), nu: arr('nu'),
  };
}
