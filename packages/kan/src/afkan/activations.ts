import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import { recomputeGrads } from '@nonlinear/activations';

type Expr = T.expr.Expr;
const { call, litLike } = T.expr;

/** The activations AF-KAN offers for A (inside the basis and before the output map). */
export type AFKANActivation = 'relu' | 'leaky_relu' | 'elu' | 'selu' | 'gelu' | 'silu' | 'softplus' | 'sigmoid' | 'tanh';

/** PyTorch's defaults: leaky_relu slope, SELU's alpha and scale, softplus threshold. */
const LEAKY_SLOPE = 0.01;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const SOFTPLUS_THRESHOLD = 20;

/**
 * One activation three ways: as an expression and its derivative (for fused kernels), and
 * composed from public differentiable ops (the reference, differentiable to any order).
 */
export interface ActivationDef {
  /** A(v). */
  f(v: Expr): Expr;
  /** A'(v), with PyTorch's value at kinks. */
  df(v: Expr): Expr;
  /** A(x) from public ops. */
  reference(x: Tensor): Tensor;
  /** Analytic FLOPs of one evaluation (see {@link KANLayer.flops}). */
  flops: number;
}

const mul = (a: Expr, b: Expr): Expr => call('mul', a, b);
const add = (a: Expr, b: Expr): Expr => call('add', a, b);
const sub = (a: Expr, b: Expr): Expr => call('sub', a, b);
const c = (v: number, like: Expr): Expr => litLike(v, like);
const positive = (v: Expr): Expr => call('gt', v, c(0, v));
const sigmoidE = (v: Expr): Expr => call('div', c(1, v), add(c(1, v), call('exp', call('neg', v))));
// e^min(v, 0): the negative branch's derivative without an unselected overflow.
const expNeg = (v: Expr): Expr => call('exp', call('min', v, c(0, v)));

const DEFS: Record<AFKANActivation, ActivationDef> = {
  relu: {
    f: (v) => call('max', v, c(0, v)),
    df: (v) => call('select', positive(v), c(1, v), c(0, v)),
    reference: (x) => T.relu(x),
    flops: 1,
  },
  leaky_relu: {
    f: (v) => call('select', positive(v), v, mul(v, c(LEAKY_SLOPE, v))),
    df: (v) => call('select', positive(v), c(1, v), c(LEAKY_SLOPE, v)),
    reference: (x) => T.where(T.gt(x, 0), x, T.mul(x, LEAKY_SLOPE)),
    flops: 2,
  },
  elu: {
    f: (v) => call('select', positive(v), v, call('expm1', v)),
    df: (v) => call('select', positive(v), c(1, v), expNeg(v)),
    reference: (x) => T.where(T.gt(x, 0), x, T.expm1(T.clamp(x, null, 0))),
    flops: 3,
  },
  selu: {
    f: (v) => mul(c(SELU_SCALE, v), call('select', positive(v), v, mul(c(SELU_ALPHA, v), call('expm1', v)))),
    df: (v) => call('select', positive(v), c(SELU_SCALE, v), mul(c(SELU_SCALE * SELU_ALPHA, v), expNeg(v))),
    reference: (x) => T.mul(T.where(T.gt(x, 0), x, T.mul(T.expm1(T.clamp(x, null, 0)), SELU_ALPHA)), SELU_SCALE),
    flops: 4,
  },
  gelu: {
    f: (v) => mul(mul(c(0.5, v), v), add(c(1, v), call('erf', mul(v, c(Math.SQRT1_2, v))))),
    df: (v) => {
      const cdf = mul(c(0.5, v), add(c(1, v), call('erf', mul(v, c(Math.SQRT1_2, v)))));
      const pdf = mul(call('exp', mul(mul(v, v), c(-0.5, v))), c(1 / Math.sqrt(2 * Math.PI), v));
      return add(cdf, mul(v, pdf));
    },
    reference: (x) => T.gelu(x),
    flops: 5,
  },
  silu: {
    f: (v) => mul(v, sigmoidE(v)),
    df: (v) => {
      const s = sigmoidE(v);
      return mul(s, add(c(1, v), mul(v, sub(c(1, v), s))));
    },
    reference: (x) => T.silu(x),
    flops: 4,
  },
  softplus: {
    f: (v) => call('select', call('gt', v, c(SOFTPLUS_THRESHOLD, v)), v, call('log1p', call('exp', v))),
    df: (v) => call('select', call('gt', v, c(SOFTPLUS_THRESHOLD, v)), c(1, v), sigmoidE(v)),
    reference: (x) => T.softplus(x),
    flops: 3,
  },
  sigmoid: {
    f: (v) => sigmoidE(v),
    df: (v) => {
      const s = sigmoidE(v);
      return mul(s, sub(c(1, v), s));
    },
    reference: (x) => T.sigmoid(x),
    flops: 3,
  },
  tanh: {
    f: (v) => call('tanh', v),
    df: (v) => {
      const t = call('tanh', v);
      return sub(c(1, v), mul(t, t));
    },
    reference: (x) => T.tanh(x),
    flops: 1,
  },
};

/** The names of {@link AFKANActivation}, in the paper's order. */
export const AFKAN_ACTIVATIONS: readonly AFKANActivation[] = Object.freeze(Object.keys(DEFS) as AFKANActivation[]);

/** The definition of an AF-KAN activation; a ValueError lists the known names. */
export function activationDef(name: AFKANActivation, op = 'AF-KAN'): ActivationDef {
  const def = Object.hasOwn(DEFS, name) ? DEFS[name] : undefined;
  if (!def) throw new ValueError(`${op}: unknown activation '${String(name)}' (allowed: ${AFKAN_ACTIVATIONS.join(', ')})`);
  return def;
}

/**
 * A(x) elementwise as ONE kernel, its backward as ONE kernel (g A'(x)); second derivatives go
 * through the composition of public ops. `fused: false` runs that composition.
 */
export function applyActivation(name: AFKANActivation, x: Tensor, fused = true): Tensor {
  const def = activationDef(name, 'applyActivation');
  if (!fused) return def.reference(x);
  const y = T.map(`afkan_${name}`, [x], 'float', (v) => def.f(v));
  T.record(`afkan_${name}`, [x], [y], ([g], [xs]) => {
    if (T.isGradEnabled()) return recomputeGrads(() => def.reference(xs!), [xs!], g!);
    return [T.map(`afkan_${name}Backward`, [xs!, g!], 'float', (v, gv) => mul(gv!, def.df(v!)))];
  });
  return y;
}
