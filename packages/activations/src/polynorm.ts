import * as T from '@nonlinear/tensor';
import { ShapeError, ValueError, type Tensor } from '@nonlinear/tensor';
import { checkCoefficients, coefficientScalars, coefficientViews, fromStoredLayout, initCoefficients } from './coefficients.js';
import { coefficientGrads, columnIndex, packColumns, powers, recomputeGrads } from './kernel-util.js';
import { ActivationModule, checkActivationInput } from './module.js';
import type { PolyReLUOptions } from './polyrelu.js';

const { call, litLike } = T.expr;
type Expr = T.expr.Expr;

/** The eps of PolyNorm's RMS normalisation in the authors' code. */
export const POLYNORM_EPS = 1e-6;

function checkInput(op: string, x: Tensor, eps: number): void {
  if (x.ndim === 0) throw new ShapeError(`${op}: x must have a last (hidden) dim to normalise over, got a 0-d tensor`);
  if (typeof eps !== 'number' || !(eps >= 0)) throw new ValueError(`${op}: eps must be a number >= 0, got ${eps}`);
}

/** 1 / sqrt(e) as an expression. */
const rsqrtE = (e: Expr): Expr => call('div', litLike(1, e), call('sqrt', e));

/**
 * PolyNorm of order r = weight.length over the last (hidden) dim:
 * `bias + sum_i weight[i] * norm(x^(r - i))` with `norm(u) = u / sqrt(mean(u^2) + eps)` per row
 * (the spec's `a_0 + sum_{p=1..r} a_p norm(x^p)`, the authors' RMS form).
 *
 * The forward pass is ONE row-program kernel (the moments mean(x^(2p)) folded per row in the
 * input's dtype, f32 or f64). The backward is one row-program kernel with the closed form
 * `dL/dx = sum_p a_p (p x^(p-1) rstd_p g - (p/H) x^(2p-1) rstd_p^3 S_p)`, `S_p = <g, x^p>`,
 * which also folds each row's coefficient partials `rstd_p S_p` and `sum(g)`, plus one reduction
 * over the rows for the coefficient gradients. No power of x is saved (only x). Second
 * derivatives (createGraph) go through {@link polyNormReference}.
 */
export function polyNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = POLYNORM_EPS): Tensor {
  const r = checkCoefficients('polyNorm', x, weight, bias);
  checkInput('polyNorm', x, eps);
  // One output, x, and the r + 1 coefficients; beyond the device's binding limit, the composition.
  if (r + 3 > x.backend.maxKernelTensors) return polyNormReference(x, weight, bias, eps);
  const xd = x.detach();
  const views = coefficientViews(weight, bias);
  const [y] = T.rowProgram('polyNorm', [xd, eps, ...views], 'float', (row, v, e, ...c) => {
    const L = row.length(v.dtype);
    const pw = powers(v, r);
    const term = (p: number, coef: Expr): Expr => {
      const rstd = rsqrtE(call('add', call('div', row.sum(call('mul', pw[p]!, pw[p]!)), L), e!));
      return call('mul', coef, call('mul', pw[p]!, rstd));
    };
    // The authors' order: the highest power first, the bias last.
    let acc = term(r, c[0]!);
    for (let i = 1; i < r; i++) acc = call('add', acc, term(r - i, c[i]!));
    return [call('add', acc, c[r]!)];
  });
  T.dispose([xd, views]);
  T.record('polyNorm', [x, weight, bias], [y!], ([g], ins) => polyNormBackward(g!, ins[0]!, ins[1]!, ins[2]!, eps));
  return y!;
}

/** dL/dx, dL/dweight, dL/dbias of {@link polyNorm} for the upstream gradient g. */
function polyNormBackward(g: Tensor, x: Tensor, weight: Tensor, bias: Tensor, eps: number): (Tensor | null)[] {
  const r = weight.shape[0]!;
  const width = x.shape[x.ndim - 1]!;
  // dx and the packed partials out; x, g, the r weights and the column index in. Otherwise a
  // differentiable recomputation: for createGraph, rows shorter than r + 1, high orders.
  if (T.isGradEnabled() || width < r + 1 || x.size === 0 || r + 5 > x.backend.maxKernelTensors) {
    return recomputeGrads(() => polyNormReference(x, weight, bias, eps), [x, weight, bias], g);
  }
  return T.tidy(() => {
    const xd = x.detach();
    const views = coefficientViews(weight, bias).slice(0, r);
    const [dx, packed] = T.rowProgram('polyNormBackward', [xd, g, eps, ...views, columnIndex(xd, width)], 'float', (row, v, gv, e, ...rest) => {
      const c = rest.slice(0, r);
      const col = rest[r]!;
      const L = row.length(v.dtype);
      const pw = powers(v, 2 * r - 1);
      let dx: Expr | null = null;
      const partials: Expr[] = new Array<Expr>(r + 1);
      for (let p = 1; p <= r; p++) {
        const rstd = rsqrtE(call('add', call('div', row.sum(call('mul', pw[p]!, pw[p]!)), L), e!));
        const S = row.sum(call('mul', gv, pw[p]!));
        // a_p p rstd_p (x^(p-1) g - x^(2p-1) rstd_p^2 S_p / H)
        const inner = call('sub', call('mul', pw[p - 1]!, gv), call('div', call('mul', call('mul', pw[2 * p - 1]!, call('mul', rstd, rstd)), S), L));
        const term = call('mul', call('mul', c[r - p]!, call('mul', litLike(p, v), rstd)), inner);
        dx = dx ? call('add', dx, term) : term;
        partials[r - p] = call('mul', rstd, S);
      }
      partials[r] = row.sum(gv);
      return [dx!, packColumns(partials, col)];
    }, { castTo: [null, null, null, ...views.map(() => null), 'int32'] });
    const [gw, gb] = coefficientGrads(packed!, width, r, bias);
    return [dx!, gw, gb];
  });
}

/** x * rsqrt(mean(x^2 over the last dim) + eps), composed from primitive ops. */
export function rmsNormalize(x: Tensor, eps = POLYNORM_EPS): Tensor {
  return T.tidy(() => x.mul(x.mul(x).mean(-1, true).add(eps).rsqrt()));
}

/**
 * PolyNorm composed from primitive ops (mul, mean, rsqrt, add; autograd differentiates the
 * composition), as the authors' PyTorch code computes it: the reference {@link polyNorm} is
 * tested against, and the path of its second derivatives.
 */
export function polyNormReference(x: Tensor, weight: Tensor, bias: Tensor, eps = POLYNORM_EPS): Tensor {
  const r = checkCoefficients('polyNormReference', x, weight, bias);
  checkInput('polyNormReference', x, eps);
  return T.tidy(() => {
    const { w, b } = coefficientScalars(weight, bias);
    const pw: Tensor[] = [x];
    for (let p = 2; p <= r; p++) pw.push(pw[p - 2]!.mul(x));
    let acc = w[0]!.mul(rmsNormalize(pw[r - 1]!, eps));
    for (let i = 1; i < r; i++) acc = acc.add(w[i]!.mul(rmsNormalize(pw[r - i - 1]!, eps)));
    return acc.add(b);
  });
}

/** Options of {@link PolyNorm}. */
export interface PolyNormOptions extends PolyReLUOptions {
  /** eps of the RMS normalisation (default 1e-6, the authors'). */
  eps?: number;
}

/**
 * PolyNorm (Zhuo et al., ICLR 2025): `a_0 + sum_{p=1..r} a_p norm(x^p)` with the RMS norm over
 * the last (hidden) dim, per token. Parameters, named as in the authors' code: `weight` [r]
 * (a_r, ..., a_1: the highest power first) and `bias` [1] (a_0), both tagged noDecay. In an FFN
 * the input is the hidden pre-activation [..., hidden]; in an MoE expert, each expert's hidden
 * vector.
 */
export class PolyNorm extends ActivationModule {
  /** The order r. */
  readonly order: number;
  /** eps of the RMS normalisation. */
  readonly eps: number;
  /** Whether forward runs the fused kernels. */
  fused: boolean;
  /** The r coefficients a_r, ..., a_1 (shape [r]): weight[i] multiplies norm(x^(r - i)). */
  weight: Tensor;
  /** The constant term a_0 (shape [1]). */
  bias: Tensor;

  constructor(options: PolyNormOptions = {}) {
    super();
    this.order = options.order ?? 3;
    this.eps = options.eps ?? POLYNORM_EPS;
    if (typeof this.eps !== 'number' || !(this.eps >= 0)) throw new ValueError(`PolyNorm: eps must be a number >= 0, got ${this.eps}`);
    this.fused = options.fused ?? true;
    const { weight, bias } = initCoefficients(this.order, options.coefficients, options);
    this.weight = this.registerParameter('weight', weight, { noDecay: true });
    this.bias = this.registerParameter('bias', bias, { noDecay: true });
  }

  /** PolyNorm of x [..., hidden], normalised over the last dim. */
  forward(x: Tensor): Tensor {
    checkActivationInput(`PolyNorm(order=${this.order})`, x, this.weight);
    return this.fused ? polyNorm(x, this.weight, this.bias, this.eps) : polyNormReference(x, this.weight, this.bias, this.eps);
  }

  /** The current coefficients in the spec's order [a_0, a_1, ..., a_r] (reads them back). */
  async coefficients(): Promise<number[]> {
    return fromStoredLayout(await this.weight.data(), await this.bias.data());
  }

  override extraRepr(): string {
    return `order=${this.order}, eps=${this.eps}, fused=${this.fused}`;
  }
}
