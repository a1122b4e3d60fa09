import type { DType } from '../dtype.js';
import { floatTypeOf, isFloat, promoteTypes, promoteWithScalar } from '../dtype.js';
import { ValueError } from '../errors.js';
import { call, cast as castE, litLike, input, scalar, type Expr } from '../expr.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { backendOf, empty, restride, runKernel, viewOf } from './core.js';
import { isGradEnabled, record } from '../autograd/tape.js';
import { Sym, symbolicMap } from './fuse.js';

/**
 * Elementwise ops. Each is one expression over the primitives of expr.ts; the backends turn
 * that expression into WGSL or a JavaScript loop, so an op's math lives here and only here.
 */

export type Operand = TensorLike | boolean;
/** How operands are typed before the expression: 'promote' to their common dtype, 'float' lifts ints to float32, or a fixed dtype. */
export type Compute = 'promote' | 'float' | DType;

const add_ = (a: Expr, b: Expr): Expr => call('add', a, b);
const mul_ = (a: Expr, b: Expr): Expr => call('mul', a, b);
const div_ = (a: Expr, b: Expr): Expr => call('div', a, b);
const exp_ = (a: Expr): Expr => call('exp', a);
const one = (like: Expr): Expr => litLike(1, like);

/**
 * The dtype an op computes in: the promotion of its typed operands (tensors, symbols), lifted
 * by JS numbers as PyTorch lifts by Python scalars, then adjusted by `compute`.
 */
export function commonDType(operands: readonly (Operand | Sym)[], compute: Compute, castTo: readonly (DType | null)[]): DType {
  const typed = (o: unknown): o is { dtype: DType } => o instanceof Tensor || o instanceof Sym;
  let dt: DType | null = null;
  operands.forEach((o, i) => {
    if (!castTo[i] && typed(o)) dt = dt ? promoteTypes(dt, o.dtype) : o.dtype;
  });
  operands.forEach((o, i) => {
    if (castTo[i] || typed(o)) return;
    const v = o as number | boolean;
    dt = dt ? promoteWithScalar(dt, v) : typeof v === 'boolean' ? 'bool' : Number.isInteger(v) ? 'int32' : 'float32';
  });
  const common: DType = dt ?? 'float32';
  if (compute === 'float') return floatTypeOf(common);
  return compute === 'promote' ? common : compute;
}

/**
 * What every kernel over operands needs: the tensor operands and their backend, the broadcast
 * shape, and one expression per operand (tensors as inputs, JS numbers as runtime scalars), all
 * typed by `compute`.
 */
export function prepareOperands(op: string, operands: readonly Operand[], compute: Compute, castTo: readonly (DType | null)[] = []) {
  const tensors = operands.filter((o): o is Tensor => o instanceof Tensor);
  const backend = backendOf(op, tensors);
  const common = commonDType(operands, compute, castTo);
  const shape = broadcastShapes(op, ...tensors.map((t) => t.shape));
  const scalars: number[] = [];
  let nIn = 0;
  const exprs = operands.map((o, i) => {
    const to = castTo[i] ?? common;
    if (o instanceof Tensor) return castE(input(nIn++, o.dtype), to);
    scalars.push(Number(o));
    return scalar(scalars.length - 1, to);
  });
  return { tensors, backend, shape, exprs, scalars };
}

/**
 * The derivative of an elementwise op, written with public ops so it can itself be
 * differentiated: given the output gradient `g`, the inputs aligned with the operands (null
 * for JS-number operands) and the output, the gradient of each operand (null for none). Results
 * may have the broadcast output shape; autograd sums them back to each input's shape.
 */
export type ElementwiseGrad = (g: Tensor, inputs: readonly (Tensor | null)[], out: Tensor) => readonly (Tensor | null)[];

/** Options of {@link map}. */
export interface MapOptions {
  /** Fixes operand i's dtype; the others are typed by `compute`. */
  castTo?: readonly (DType | null)[];
  /** The op's derivative; without it the result does not take part in autograd. */
  grad?: ElementwiseGrad;
  /** The backward reads the output (exp, tanh...), so it is saved. */
  saveOutput?: boolean;
}

/**
 * Applies `f` elementwise over the broadcast of the operands. Numbers become runtime scalars
 * (no tensor, no new pipeline per value).
 */
export function map(op: string, operands: readonly Operand[], compute: Compute, f: (...xs: Expr[]) => Expr, options: MapOptions = {}): Tensor {
  const castTo = options.castTo ?? [];
  // Inside fuse(), operands are symbolic and the op only extends an expression.
  if (operands.some((o) => o instanceof Sym)) return symbolicMap(op, operands, commonDType(operands, compute, castTo), f, castTo) as unknown as Tensor;
  const { tensors, backend, shape, exprs, scalars } = prepareOperands(op, operands, compute, castTo);
  const expr = f(...exprs);
  const out = empty(op, backend, shape, expr.dtype);
  runKernel(backend, { kind: 'elementwise', exprs: [expr] }, tensors.map((t) => viewOf(t, shape)), [viewOf(out)], scalars);
  const grad = options.grad;
  if (grad) {
    let k = 0;
    const slots = operands.map((o) => (o instanceof Tensor ? k++ : -1));
    record(op, tensors, [out], (gs, ins, outs) => {
      const gOps = grad(gs[0]!, slots.map((k) => (k >= 0 ? ins[k]! : null)), outs[0] ?? out);
      return tensors.map((_, k) => gOps[slots.indexOf(k)] ?? null);
    }, options.saveOutput);
  }
  return out;
}

/** A new tensor of `dtype` with the same values (a new handle on the same storage when the dtype already matches). */
export function cast(x: Tensor, dtype: DType): Tensor {
  x.assertLive('cast');
  if (x.dtype === dtype) return identity('cast', x);
  return map('cast', [x], dtype, (a) => a, { grad: (g) => [isFloat(dtype) && isFloat(x.dtype) ? g : null] });
}

/** A new handle on x's storage that passes gradients straight through (cast to the same dtype, contiguous of a contiguous tensor). */
export function identity(op: string, x: Tensor): Tensor {
  const out = restride(x, x.shape, x.strides, x.offset);
  record(op, [x], [out], (gs) => [gs[0]!]);
  return out;
}

type UnaryGrad = (g: Tensor, x: Tensor, y: Tensor) => Tensor | null;
const unaryGrad = (d?: UnaryGrad): ElementwiseGrad | undefined => (d ? (g, [x], y) => [d(g, x!, y)] : undefined);

const floatOp = (op: string, f: (x: Expr) => Expr, d?: UnaryGrad, saveOutput = false) => (x: TensorLike): Tensor =>
  map(op, [x], 'float', f, { grad: unaryGrad(d), saveOutput });
/** Numeric ops that keep the dtype (bool is counted as int32, as PyTorch refuses arithmetic on bool). */
const sameOp = (op: string, f: (x: Expr) => Expr, d?: UnaryGrad) => (x: TensorLike): Tensor =>
  map(op, [x], x instanceof Tensor && x.dtype === 'bool' ? 'int32' : 'promote', f, { grad: unaryGrad(d) });

/** A zero-gradient op (sign, floor...): no gradient flows, as in PyTorch. */
const flat: UnaryGrad = () => null;

/** -x, elementwise (`torch.neg`). Keeps the dtype; bool counts as int32. */
export const neg = sameOp('neg', (x) => call('neg', x), (g) => neg(g));
/** |x|, elementwise (`torch.abs`); its gradient at 0 is 0. */
export const abs = sameOp('abs', (x) => call('abs', x), (g, x) => mul(g, sign(x)));
/** x * x, elementwise (`torch.square`). */
export const square = sameOp('square', (x) => mul_(x, x), (g, x) => mul(g, mul(x, 2)));
/** -1, 0 or 1 by the sign of x (`torch.sign`); zero gradient. */
export const sign = sameOp('sign', (x) => call('sign', x), flat);
/** max(x, 0), elementwise (`torch.relu`); the gradient at 0 is 0, as PyTorch's. */
export const relu = sameOp('relu', (x) => call('max', x, litLike(0, x)), (g, x) => where(gt(x, 0), g, 0));
/** Largest integer <= x (`torch.floor`); integer tensors pass through; zero gradient. */
export const floor = sameOp('floor', (x) => (isFloat(x.dtype) ? call('floor', x) : x), flat);
/** Smallest integer >= x (`torch.ceil`); integer tensors pass through; zero gradient. */
export const ceil = sameOp('ceil', (x) => (isFloat(x.dtype) ? call('ceil', x) : x), flat);
/** Rounds half to even, as PyTorch does. */
export const round = sameOp('round', (x) => (isFloat(x.dtype) ? call('rint', x) : x), flat);

/** e^x, elementwise (`torch.exp`). Integer inputs give float32, as for every float-only op. */
export const exp = floatOp('exp', exp_, (g, _x, y) => mul(g, y), true);
/** Natural logarithm (`torch.log`): -inf at 0, NaN below 0. */
export const log = floatOp('log', (x) => call('log', x), (g, x) => div(g, x));
/** log(1 + x), accurate for small x (`torch.log1p`). */
export const log1p = floatOp('log1p', (x) => call('log1p', x), (g, x) => div(g, add(x, 1)));
/** e^x - 1, accurate for small x (`torch.expm1`). */
export const expm1 = floatOp('expm1', (x) => call('expm1', x), (g, _x, y) => mul(g, add(y, 1)), true);
/** Square root (`torch.sqrt`); NaN below 0. */
export const sqrt = floatOp('sqrt', (x) => call('sqrt', x), (g, _x, y) => div(mul(g, 0.5), y), true);
/** 1 / sqrt(x) (`torch.rsqrt`). */
export const rsqrt = floatOp('rsqrt', (x) => div_(one(x), call('sqrt', x)), (g, _x, y) => mul(mul(g, -0.5), mul(y, mul(y, y))), true);
/** 1 / x (`torch.reciprocal`); integer inputs give float32. */
export const reciprocal = floatOp('reciprocal', (x) => div_(one(x), x), (g, _x, y) => neg(mul(g, mul(y, y))), true);
/** Sine, x in radians (`torch.sin`). On webgpu only bounded to [-1, 1] for |x| > 1e4. */
export const sin = floatOp('sin', (x) => call('sin', x), (g, x) => mul(g, cos(x)));
/** Cosine, x in radians (`torch.cos`). On webgpu only bounded to [-1, 1] for |x| > 1e4. */
export const cos = floatOp('cos', (x) => call('cos', x), (g, x) => neg(mul(g, sin(x))));
/** Hyperbolic tangent (`torch.tanh`), without overflow for large |x|. */
export const tanh = floatOp('tanh', (x) => call('tanh', x), (g, _x, y) => mul(g, sub(1, mul(y, y))), true);
/** The Gauss error function (`torch.erf`). */
export const erf = floatOp('erf', (x) => call('erf', x), (g, x) => mul(g, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI))));
export const sigmoidExpr = (x: Expr): Expr => div_(one(x), add_(one(x), exp_(call('neg', x))));
/** 1 / (1 + e^-x) (`torch.sigmoid`). */
export const sigmoid = floatOp('sigmoid', sigmoidExpr, (g, _x, y) => mul(g, mul(y, sub(1, y))), true);
/** x * sigmoid(x), also called swish (`torch.nn.functional.silu`). */
export const silu = floatOp('silu', (x) => mul_(x, sigmoidExpr(x)), (g, x) => {
  const s = sigmoid(x);
  return mul(g, add(s, mul(x, mul(s, sub(1, s)))));
});
/** Bool mask: true where x is NaN (`torch.isnan`). */
export const isnan = floatOp('isnan', (x) => call('isnan', x));
/** Bool mask: true where x is +inf or -inf (`torch.isinf`). */
export const isinf = floatOp('isinf', (x) => call('isinf', x));

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** 'none' (exact, with erf, the default) or 'tanh' (the approximation of Hendrycks & Gimpel). */
  approximate?: 'none' | 'tanh';
}

/**
 * Gaussian error linear unit, x * Phi(x) (`torch.nn.functional.gelu`); `approximate: 'tanh'` is the
 * GPT-2 form.
 */
export function gelu(x: TensorLike, options: GeluOptions = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
  const k = Math.sqrt(2 / Math.PI);
  return map('gelu', [x], 'float', (v) => {
    const half = mul_(litLike(0.5, v), v);
    if (approximate === 'none') return mul_(half, add_(one(v), call('erf', mul_(v, litLike(Math.SQRT1_2, v)))));
    const inner = mul_(litLike(k, v), add_(v, mul_(litLike(0.044715, v), mul_(v, mul_(v, v)))));
    return mul_(half, add_(one(v), call('tanh', inner)));
  }, {
    grad: (g, [v]) => {
      const t = v!;
      if (approximate === 'none') {
        // Phi(x) + x phi(x)
        const cdf = mul(add(erf(mul(t, Math.SQRT1_2)), 1), 0.5);
        const pdf = mul(exp(mul(mul(t, t), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return [mul(g, add(cdf, mul(t, pdf)))];
      }
      const t2 = mul(t, t);
      const th = tanh(mul(add(t, mul(mul(t2, t), 0.044715)), k));
      const dInner = mul(add(mul(t2, 3 * 0.044715), 1), k);
      const d = add(mul(add(th, 1), 0.5), mul(mul(mul(t, 0.5), sub(1, mul(th, th))), dInner));
      return [mul(g, d)];
    },
  });
}

/** Options of {@link softplus} (PyTorch's `beta` and `threshold`). */
export interface SoftplusOptions {
  /** Sharpness: softplus(x) = log(1 + e^(beta x)) / beta. Default 1. */
  beta?: number;
  /** Above beta * x > threshold the function is taken as linear (PyTorch's default 20). */
  threshold?: number;
}

/**
 * A smooth ReLU, log(1 + e^(beta x)) / beta, linear above the threshold so it never overflows
 * (`torch.nn.functional.softplus`).
 */
export function softplus(x: TensorLike, options: SoftplusOptions = {}): Tensor {
  const { beta = 1, threshold = 20 } = options;
  return map('softplus', [x, beta, threshold], 'float', (v, b, t) => {
    const bx = mul_(b, v);
    return call('select', call('gt', bx, t), v, div_(call('log1p', exp_(bx)), b));
  }, {
    grad: (g, [v]) => [where(gt(mul(v!, beta), threshold), g, mul(g, sigmoid(mul(v!, beta))))],
  });
}

/** A finite number option, or a ValueError naming the op and the option. */
function finiteOption(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${op}: ${name} must be a finite number, got ${String(v)}`);
  return v;
}

/**
 * x where x > 0, else negativeSlope * x (`torch.nn.functional.leaky_relu`, default slope 0.01).
 * The gradient at 0 is negativeSlope, as PyTorch's. Integer inputs give float32.
 */
export function leakyRelu(x: TensorLike, negativeSlope = 0.01): Tensor {
  const slope = finiteOption('leakyRelu', 'negativeSlope', negativeSlope);
  return map('leakyRelu', [x, slope], 'float', (v, s) => call('select', call('gt', v, litLike(0, v)), v, mul_(v, s)), {
    grad: (g, [v]) => [where(gt(v!, 0), g, mul(g, slope))],
  });
}

/**
 * scale * (x where x > 0, else alpha (e^x - 1)): ELU (scale 1) and SELU share this expression. The
 * derivative of the negative branch, scale alpha e^x, reads e^min(x, 0) so that no unselected
 * e^x overflows into a NaN in second derivatives.
 */
function eluLike(op: string, x: TensorLike, alpha: number, scale: number): Tensor {
  return map(op, [x, alpha, scale], 'float', (v, a, s) => mul_(s, call('select', call('gt', v, litLike(0, v)), v, mul_(a, call('expm1', v)))), {
    grad: (g, [v]) => [where(gt(v!, 0), mul(g, scale), mul(g, mul(exp(clamp(v!, null, 0)), alpha * scale)))],
  });
}

/**
 * Exponential linear unit: x where x > 0, else alpha (e^x - 1) (`torch.nn.functional.elu`,
 * default alpha 1). The gradient at 0 is alpha, as PyTorch's.
 */
export function elu(x: TensorLike, alpha = 1): Tensor {
  return eluLike('elu', x, finiteOption('elu', 'alpha', alpha), 1);
}

/** SELU's alpha, PyTorch's constant (Klambauer et al., 2017). */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
/** SELU's scale, PyTorch's constant (Klambauer et al., 2017). */
export const SELU_SCALE = 1.0507009873554804934193349852946;

/** Scaled ELU, SELU_SCALE * elu(x, SELU_ALPHA) (`torch.nn.functional.selu`). */
export function selu(x: TensorLike): Tensor {
  return eluLike('selu', x, SELU_ALPHA, SELU_SCALE);
}

/** Limits values to [min, max]; when min > max every value becomes max, as in PyTorch. */
export function clamp(x: TensorLike, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo === null && hi === null) throw new ValueError('clamp: at least one of min and max must be given');
  const ops: Operand[] = [x];
  if (lo !== null) ops.push(lo);
  if (hi !== null) ops.push(hi);
  const boolIn = x instanceof Tensor && x.dtype === 'bool';
  return map('clamp', ops, boolIn ? 'int32' : 'promote', (v, a, b) => {
    let r = v;
    if (lo !== null) r = call('max', r, a!);
    if (hi !== null) r = call('min', r, lo !== null ? b! : a!);
    return r;
  }, {
    // The gradient passes where lo <= x <= hi, as in PyTorch.
    grad: (g, [v]) => {
      let inside: Tensor | null = null;
      if (lo !== null) inside = ge(v!, lo);
      if (hi !== null) inside = inside ? logicalAnd(inside, le(v!, hi)) : le(v!, hi);
      return [where(inside!, g, 0)];
    },
  });
}

const numericCompute = (a: TensorLike, b: TensorLike): Compute =>
  [a, b].every((o) => o instanceof Tensor && o.dtype === 'bool') ? 'int32' : 'promote';

/** a + b with broadcasting and type promotion (`torch.add`); either side may be a JS number. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return map('add', [a, b], numericCompute(a, b), (x, y) => call('add', x, y), { grad: (g, [x, y]) => [x ? g : null, y ? g : null] });
}

/** a - b with broadcasting and type promotion (`torch.sub`). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return map('sub', [a, b], numericCompute(a, b), (x, y) => call('sub', x, y), { grad: (g, [x, y]) => [x ? g : null, y ? neg(g) : null] });
}

/** a * b with broadcasting and type promotion (`torch.mul`). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return map('mul', [a, b], numericCompute(a, b), (x, y) => call('mul', x, y), {
    grad: (g, [x, y]) => [x ? mul(g, y ?? b) : null, y ? mul(g, x ?? a) : null],
  });
}

/** True division: integer inputs give float32. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return map('div', [a, b], 'float', div_, {
    grad: (g, [x, y], out) => [x ? div(g, y ?? b) : null, y ? neg(div(mul(g, out), y)) : null],
    saveOutput: true,
  });
}

/** Ties split the gradient evenly, as PyTorch's maximum and minimum do. */
function extremum(op: string, prim: 'max' | 'min', a: TensorLike, b: TensorLike): Tensor {
  return map(op, [a, b], numericCompute(a, b), (x, y) => call(prim, x, y), {
    grad: (g, [x, y]) => {
      const va = x ?? a;
      const vb = y ?? b;
      const wins = prim === 'max' ? gt(va, vb) : lt(va, vb);
      const wa = add(cast(wins, g.dtype), mul(cast(eq(va, vb), g.dtype), 0.5));
      return [x ? mul(g, wa) : null, y ? mul(g, sub(1, wa)) : null];
    },
  });
}

/** NaN-propagating elementwise maximum. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => extremum('maximum', 'max', a, b);
/** NaN-propagating elementwise minimum. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => extremum('minimum', 'min', a, b);

/**
 * x ** exponent. Common scalar exponents take exact forms (x*x for 2, sqrt for 0.5) as PyTorch
 * does; integer tensors to non-negative integer powers stay integer.
 */
export function pow(x: TensorLike, exponent: TensorLike): Tensor {
  if (x instanceof Tensor && typeof exponent === 'number') {
    const intBase = !isFloat(x.dtype);
    if (intBase && Number.isInteger(exponent) && exponent < 0) {
      throw new ValueError(`pow: integer tensors cannot be raised to the negative integer power ${exponent}`);
    }
    const special: Record<number, (v: Expr) => Expr> = {
      0: (v) => litLike(1, v),
      1: (v) => v,
      2: (v) => mul_(v, v),
      3: (v) => mul_(mul_(v, v), v),
    };
    const exact = special[exponent];
    const e = exponent;
    const dPow: ElementwiseGrad = (g, [v]) => [e === 0 ? null : e === 1 ? g : mul(g, mul(e === 2 ? v! : pow(v!, e - 1), e))];
    if (exact) return map('pow', [x], x.dtype === 'bool' ? 'int32' : 'promote', exact, { grad: dPow });
    if (!intBase || !Number.isInteger(exponent)) {
      if (exponent === 0.5) return sqrt(x);
      if (exponent === -0.5) return rsqrt(x);
      if (exponent === -1) return reciprocal(x);
    }
  }
  const ints = [x, exponent].every((o) => (o instanceof Tensor ? !isFloat(o.dtype) : Number.isInteger(o)));
  if (ints) {
    return map('pow', [x, exponent], 'int32', (a, b) => castE(call('rint', call('pow', castE(a, 'float32'), castE(b, 'float32'))), 'int32'));
  }
  return map('pow', [x, exponent], 'float', (a, b) => call('pow', a, b), {
    grad: (g, [a, b], out) => {
      const base = a ?? x;
      const ex = b ?? exponent;
      const ga = a ? mul(g, mul(pow(a, typeof ex === 'number' ? ex - 1 : sub(ex, 1)), ex)) : null;
      // d/db a^b = a^b log a, taken as 0 where a = 0 (PyTorch's convention).
      const logBase = typeof base === 'number' ? (base === 0 ? 0 : Math.log(base)) : null;
      const gb = b ? mul(g, logBase !== null ? mul(out, logBase) : where(eq(base, 0), 0, mul(out, log(base)))) : null;
      return [ga, gb];
    },
    saveOutput: true,
  });
}

const compare = (op: string, prim: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge') => (a: TensorLike, b: TensorLike): Tensor =>
  map(op, [a, b], 'promote', (x, y) => call(prim, x, y));

/** a == b as a bool tensor, broadcast (`torch.eq`). */
export const eq = compare('eq', 'eq');
/** a != b as a bool tensor (`torch.ne`); NaN != NaN is true. */
export const ne = compare('ne', 'ne');
/** a < b as a bool tensor (`torch.lt`). */
export const lt = compare('lt', 'lt');
/** a <= b as a bool tensor (`torch.le`). */
export const le = compare('le', 'le');
/** a > b as a bool tensor (`torch.gt`). */
export const gt = compare('gt', 'gt');
/** a >= b as a bool tensor (`torch.ge`). */
export const ge = compare('ge', 'ge');

/** Elementwise and of the truth values (nonzero is true), as bool (`torch.logical_and`). */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => map('logicalAnd', [a, b], 'bool', (x, y) => call('and', x, y));
/** Elementwise or of the truth values, as bool (`torch.logical_or`). */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => map('logicalOr', [a, b], 'bool', (x, y) => call('or', x, y));
/** Elementwise not (zero becomes true), as bool (`torch.logical_not`). */
export const logicalNot = (a: TensorLike): Tensor => map('logicalNot', [a], 'bool', (x) => call('not', x));

/** Elements of `a` where `condition` holds, else of `b` (broadcast; dtypes promoted). */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return map('where', [condition, a, b], 'promote', (c, x, y) => call('select', c, x, y), {
    castTo: ['bool', null, null],
    grad: (g, [c, x, y]) => [null, x ? where(c!, g, 0) : null, y ? where(c!, 0, g) : null],
  });
}

/** `x` with `value` wherever `mask` is true; keeps x's dtype. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  x.assertLive('maskedFill');
  return map('maskedFill', [mask, value, x], x.dtype, (m, v, y) => call('select', m, v, y), {
    castTo: ['bool', null, null],
    grad: (g, [m]) => [null, null, where(m!, 0, g)],
  });
}

/**
 * Computes several elementwise expressions in one kernel and writes them into existing
 * tensors, in place: the fused update step of an optimizer (parameter, moments) is one
 * dispatch. Operands broadcast to the targets' common shape and may include the targets
 * themselves. Not recorded by autograd; targets that require grad may only be updated inside
 * noGrad.
 */
export function updateInPlace(op: string, targets: readonly Tensor[], operands: readonly Operand[], f: (...xs: Expr[]) => readonly Expr[]): void {
  if (targets.length === 0) throw new ValueError(`${op}: no target tensors`);
  const shape = targets[0]!.shape;
  for (const t of targets) {
    t.assertLive(op);
    if (t.shape.join() !== shape.join()) throw new ValueError(`${op}: targets must share one shape, got [${t.shape.join(', ')}] and [${shape.join(', ')}]`);
    if (t.requiresGrad && isGradEnabled()) throw new ValueError(`${op}: an in-place update of a tensor that requires grad must run inside noGrad()`);
  }
  const tensors = operands.filter((o): o is Tensor => o instanceof Tensor);
  const backend = backendOf(op, [...targets, ...tensors]);
  broadcastShapes(op, shape, ...tensors.map((t) => t.shape));
  let dt: DType | null = null;
  for (const t of tensors) dt = dt ? promoteTypes(dt, t.dtype) : t.dtype;
  const common: DType = dt ?? targets[0]!.dtype;
  const scalars: number[] = [];
  let nIn = 0;
  const exprs = operands.map((o) => {
    if (o instanceof Tensor) return castE(input(nIn++, o.dtype), common);
    scalars.push(Number(o));
    return scalar(scalars.length - 1, common);
  });
  const results = f(...exprs);
  if (results.length !== targets.length) throw new ValueError(`${op}: ${results.length} expressions for ${targets.length} targets`);
  const casted = results.map((e, j) => castE(e, targets[j]!.dtype));
  runKernel(backend, { kind: 'elementwise', exprs: casted }, tensors.map((t) => viewOf(t, shape)), targets.map((t) => viewOf(t)), scalars);
}
