import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import { checkCoefficients, coefficientScalars, fromStoredLayout, initCoefficients } from './coefficients.js';
import { ActivationModule, checkActivationInput } from './module.js';
import type { PolyReLUOptions } from './polyrelu.js';
import { POLYNORM_EPS, rmsNormalize } from './polynorm.js';

/**
 * The general polynomial composition activation (PolyCom) for ablations, composed from
 * primitive ops (autograd differentiates it):
 *
 * - type I:  `a_0 + sum_{p=1..r} a_p rho(x)^p`
 * - type II: `a_0 + sum_{p=1..r} a_p rho(x^p)`
 *
 * The p = 0 term is the constant a_0 in both types (the authors' bias), not a_0 rho(x^0).
 * PolyReLU is type I with rho = relu and PolyNorm type II with rho = the RMS norm over the last
 * dim; type I with rho = identity is an ordinary polynomial of degree r.
 */

/** Which composition: rho(x)^p (I) or rho(x^p) (II). */
export type PolyComType = 'I' | 'II';

/** The inner functions known by name; 'rmsnorm' normalises over the last dim with `eps`. */
export type InnerName = 'relu' | 'identity' | 'rmsnorm' | 'tanh' | 'sigmoid' | 'gelu' | 'silu';

/** An inner function rho: any differentiable map of tensors. */
export type InnerFunction = (x: Tensor) => Tensor;

const INNER: Record<InnerName, (eps: number) => InnerFunction> = {
  relu: () => (x) => T.relu(x),
  identity: () => (x) => x,
  rmsnorm: (eps) => (x) => rmsNormalize(x, eps),
  tanh: () => (x) => T.tanh(x),
  sigmoid: () => (x) => T.sigmoid(x),
  gelu: () => (x) => T.gelu(x),
  silu: () => (x) => T.silu(x),
};

/** The names {@link PolyCom} accepts for `inner`. */
export const INNER_NAMES = Object.keys(INNER) as InnerName[];

/** The inner function of a name (or the function itself). */
export function innerFunction(inner: InnerName | InnerFunction, eps = POLYNORM_EPS): InnerFunction {
  if (typeof inner === 'function') return inner;
  const make = INNER[inner];
  if (!make) throw new ValueError(`PolyCom: unknown inner function '${String(inner)}' (known: ${INNER_NAMES.join(', ')}; or pass a function)`);
  return make(eps);
}

/**
 * PolyCom of `x` with coefficients in the stored layout (`weight` [r], highest power first;
 * `bias` [1]), composed from primitive ops.
 */
export function polyCom(x: Tensor, weight: Tensor, bias: Tensor, type: PolyComType, inner: InnerName | InnerFunction, eps = POLYNORM_EPS): Tensor {
  const r = checkCoefficients('polyCom', x, weight, bias);
  if (type !== 'I' && type !== 'II') throw new ValueError(`polyCom: type must be 'I' or 'II', got '${String(type)}'`);
  const rho = innerFunction(inner, eps);
  return T.tidy(() => {
    const { w, b } = coefficientScalars(weight, bias);
    const terms: Tensor[] = [];
    if (type === 'I') {
      const u = rho(x);
      const pw: Tensor[] = [u];
      for (let p = 2; p <= r; p++) pw.push(pw[p - 2]!.mul(u));
      for (let i = 0; i < r; i++) terms.push(w[i]!.mul(pw[r - i - 1]!));
    } else {
      const pw: Tensor[] = [x];
      for (let p = 2; p <= r; p++) pw.push(pw[p - 2]!.mul(x));
      for (let i = 0; i < r; i++) terms.push(w[i]!.mul(rho(pw[r - i - 1]!)));
    }
    return terms.reduce((acc, t) => acc.add(t)).add(b);
  });
}

/** Options of {@link PolyCom}. */
export interface PolyComOptions extends Omit<PolyReLUOptions, 'fused'> {
  /** 'I' (rho(x)^p, default) or 'II' (rho(x^p)). */
  type?: PolyComType;
  /** rho: a name or a function (default 'relu'). */
  inner?: InnerName | InnerFunction;
  /** eps of the 'rmsnorm' inner function (default 1e-6). */
  eps?: number;
}

/**
 * The general PolyCom activation with learnable scalar coefficients (same parameters and
 * initialisation as {@link PolyReLU}: `weight` [r] highest power first, `bias` [1], both
 * noDecay), composed from primitive ops: for ablations over the type, the inner function and
 * the order. `new PolyCom({ type: 'I', inner: 'relu' })` computes what PolyReLU does and
 * `new PolyCom({ type: 'II', inner: 'rmsnorm' })` what PolyNorm does, without fused kernels.
 */
export class PolyCom extends ActivationModule {
  /** The order r. */
  readonly order: number;
  /** 'I' or 'II'. */
  readonly type: PolyComType;
  /** The inner function rho. */
  readonly inner: InnerFunction;
  /** The name of rho ('custom' for a function without a name). */
  readonly innerName: string;
  /** The r coefficients a_r, ..., a_1 (shape [r]): weight[i] multiplies the term of power r - i. */
  weight: Tensor;
  /** The constant term a_0 (shape [1]). */
  bias: Tensor;

  constructor(options: PolyComOptions = {}) {
    super();
    this.order = options.order ?? 3;
    this.type = options.type ?? 'I';
    if (this.type !== 'I' && this.type !== 'II') throw new ValueError(`PolyCom: type must be 'I' or 'II', got '${String(this.type)}'`);
    const inner = options.inner ?? 'relu';
    this.inner = innerFunction(inner, options.eps ?? POLYNORM_EPS);
    this.innerName = typeof inner === 'function' ? inner.name || 'custom' : inner;
    const { weight, bias } = initCoefficients(this.order, options.coefficients, options);
    this.weight = this.registerParameter('weight', weight, { noDecay: true });
    this.bias = this.registerParameter('bias', bias, { noDecay: true });
  }

  /** The activation of x. */
  forward(x: Tensor): Tensor {
    checkActivationInput(`PolyCom(type=${this.type}, inner=${this.innerName})`, x, this.weight);
    return polyCom(x, this.weight, this.bias, this.type, this.inner);
  }

  /** The current coefficients in the spec's order [a_0, a_1, ..., a_r] (reads them back). */
  async coefficients(): Promise<number[]> {
    return fromStoredLayout(await this.weight.data(), await this.bias.data());
  }

  override extraRepr(): string {
    return `type=${this.type}, inner=${this.innerName}, order=${this.order}`;
  }
}
