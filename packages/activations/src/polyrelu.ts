import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { checkCoefficients, coefficientScalars, coefficientViews, fromStoredLayout, initCoefficients, type CoefficientOptions } from './coefficients.js';
import { coefficientGrads, columnIndex, packColumns, powers, recomputeGrads } from './kernel-util.js';
import { ActivationModule, checkActivationInput } from './module.js';

const { call, litLike } = T.expr;

/**
 * PolyReLU of order r = weight.length, elementwise:
 * `bias + sum_i weight[i] * relu(x)^(r - i)` (the spec's `a_0 + sum_{p=1..r} a_p relu(x)^p`).
 *
 * The forward pass is ONE elementwise kernel; the backward is one row-program kernel (over the
 * last dim) that writes dL/dx = g [x > 0] sum_p p a_p relu(x)^(p-1) and folds each row's
 * coefficient partials sum(g relu(x)^p) and sum(g), plus one reduction over the rows for the
 * coefficient gradients. Nothing but x is saved. Second derivatives (createGraph) go through
 * {@link polyReluReference}. Powers are products (relu * relu * ...), so coefficients (0, 1, 0, 0)
 * give ReLU and (0, 0, 1, 0) give ReLU^2 bit for bit.
 */
export function polyRelu(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  const r = checkCoefficients('polyRelu', x, weight, bias);
  // One output, x, and the r + 1 coefficients; beyond the device's binding limit, the composition.
  if (r + 3 > x.backend.maxKernelTensors) return polyReluReference(x, weight, bias);
  const xd = x.detach();
  const views = coefficientViews(weight, bias);
  const y = T.map('polyRelu', [xd, ...views], 'float', (v, ...c) => {
    const rl = call('max', v, litLike(0, v));
    const pw = powers(rl, r);
    // The authors' order of summation: the highest power first, the bias last.
    let acc = call('mul', c[0]!, pw[r]!);
    for (let i = 1; i < r; i++) acc = call('add', acc, call('mul', c[i]!, pw[r - i]!));
    return call('add', acc, c[r]!);
  });
  T.dispose([xd, views]);
  T.record('polyRelu', [x, weight, bias], [y], ([g], ins) => polyReluBackward(g!, ins[0]!, ins[1]!, ins[2]!));
  return y;
}

/** dL/dx, dL/dweight, dL/dbias of {@link polyRelu} for the upstream gradient g. */
function polyReluBackward(g: Tensor, x: Tensor, weight: Tensor, bias: Tensor): (Tensor | null)[] {
  const r = weight.shape[0]!;
  const width = x.ndim === 0 ? 1 : x.shape[x.ndim - 1]!;
  // dx and the packed partials out; x, g, the r weights and the column index in.
  if (T.isGradEnabled() || width < r + 1 || x.size === 0 || r + 5 > x.backend.maxKernelTensors) {
    // Differentiable recomputation: for createGraph, for rows too short to pack r + 1 partials
    // and for orders beyond the device's binding limit.
    return recomputeGrads(() => polyReluReference(x, weight, bias), [x, weight, bias], g);
  }
  return T.tidy(() => {
    const x2 = x.ndim === 0 ? x.detach().reshape([1]) : x.detach();
    const g2 = g.ndim === 0 ? g.reshape([1]) : g;
    const views = coefficientViews(weight, bias);
    const [dx, packed] = T.rowProgram('polyReluBackward', [x2, g2, ...views.slice(0, r), columnIndex(x2, width)], 'float', (row, v, gv, ...rest) => {
      const c = rest.slice(0, r);
      const col = rest[r]!;
      const rl = call('max', v, litLike(0, v));
      const pw = powers(rl, r);
      // d/drelu of sum_p a_p relu^p, with a_p = c[r - p].
      let d = c[r - 1]!;
      for (let p = 2; p <= r; p++) d = call('add', d, call('mul', call('mul', litLike(p, v), c[r - p]!), pw[p - 1]!));
      const dx = call('select', call('gt', v, litLike(0, v)), call('mul', gv, d), litLike(0, v));
      // Column k holds the row's partial of weight[k] = a_{r-k}; column r the bias's.
      const partials = Array.from({ length: r }, (_, k) => row.sum(call('mul', gv, pw[r - k]!)));
      partials.push(row.sum(gv));
      return [dx, packColumns(partials, col)];
    }, { castTo: [null, null, ...views.slice(0, r).map(() => null), 'int32'] });
    const [gw, gb] = coefficientGrads(packed!, width, r, bias);
    return [x.ndim === 0 ? dx!.reshape([]) : dx!, gw, gb];
  });
}

/**
 * PolyReLU composed from primitive ops (relu, mul, add; autograd differentiates the
 * composition): the reference {@link polyRelu} is tested against, and the path of its second
 * derivatives.
 */
export function polyReluReference(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  const r = checkCoefficients('polyReluReference', x, weight, bias);
  return T.tidy(() => {
    const { w, b } = coefficientScalars(weight, bias);
    const rl = T.relu(x);
    const pw: Tensor[] = [rl];
    for (let p = 2; p <= r; p++) pw.push(pw[p - 2]!.mul(rl));
    let acc = w[0]!.mul(pw[r - 1]!);
    for (let i = 1; i < r; i++) acc = acc.add(w[i]!.mul(pw[r - i - 1]!));
    return acc.add(b);
  });
}

/** Options of {@link PolyReLU} (and, with `eps`, of PolyNorm). */
export interface PolyReLUOptions extends CoefficientOptions {
  /** The order r (default 3). */
  order?: number;
  /**
   * Initial coefficients in the spec's order [a_0, a_1, ..., a_r] (default: a_0 = 0 and
   * a_1 = ... = a_r = 1/r, the authors' 1/3 each for r = 3).
   */
  coefficients?: readonly number[];
  /** Run the fused kernels (default true); false runs the composition of primitive ops. */
  fused?: boolean;
}

/**
 * PolyReLU (Zhuo et al., ICLR 2025): `a_0 + sum_{p=1..r} a_p relu(x)^p` elementwise, with r + 1
 * learnable scalar coefficients shared by all channels. Parameters, named as in the authors'
 * code: `weight` [r] (a_r, ..., a_1: the highest power first) and `bias` [1] (a_0), both tagged
 * noDecay (the paper trains them without weight decay, at the base learning rate).
 */
export class PolyReLU extends ActivationModule {
  /** The order r. */
  readonly order: number;
  /** Whether forward runs the fused kernels. */
  fused: boolean;
  /** The r coefficients a_r, ..., a_1 (shape [r]): weight[i] multiplies relu(x)^(r - i). */
  weight: Tensor;
  /** The constant term a_0 (shape [1]). */
  bias: Tensor;

  constructor(options: PolyReLUOptions = {}) {
    super();
    this.order = options.order ?? 3;
    this.fused = options.fused ?? true;
    const { weight, bias } = initCoefficients(this.order, options.coefficients, options);
    this.weight = this.registerParameter('weight', weight, { noDecay: true });
    this.bias = this.registerParameter('bias', bias, { noDecay: true });
  }

  /** PolyReLU of x, elementwise; any shape. */
  forward(x: Tensor): Tensor {
    checkActivationInput(`PolyReLU(order=${this.order})`, x, this.weight);
    return this.fused ? polyRelu(x, this.weight, this.bias) : polyReluReference(x, this.weight, this.bias);
  }

  /** The current coefficients in the spec's order [a_0, a_1, ..., a_r] (reads them back). */
  async coefficients(): Promise<number[]> {
    return fromStoredLayout(await this.weight.data(), await this.bias.data());
  }

  override extraRepr(): string {
    return `order=${this.order}, fused=${this.fused}`;
  }
}
