import type { DType } from '../dtype.js';
import { floatTypeOf, isFloat, promoteTypes, promoteWithScalar } from '../dtype.js';
import { ValueError } from '../errors.js';
import { call, cast as castE, litLike, input, scalar, type Expr } from '../expr.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { backendOf, empty, restride, runKernel, viewOf } from './core.js';

/**
 * Elementwise ops. Each is one expression over the primitives of expr.ts; the backends turn
 * that expression into WGSL or a JavaScript loop, so an op's math lives here and only here.
 */

export type Operand = TensorLike | boolean;
/** How operands are typed before the expression: 'promote' to their common dtype, 'float' lifts ints to float32, or a fixed dtype. */
export type Compute = 'promote' | 'float' | DType;

const add_ = (a: Expr, b: Expr): Expr => call('add', a, b);
const sub_ = (a: Expr, b: Expr): Expr => call('sub', a, b);
const mul_ = (a: Expr, b: Expr): Expr => call('mul', a, b);
const div_ = (a: Expr, b: Expr): Expr => call('div', a, b);
const exp_ = (a: Expr): Expr => call('exp', a);
const one = (like: Expr): Expr => litLike(1, like);

/**
 * Applies `f` elementwise over the broadcast of the operands. Numbers become runtime scalars
 * (no tensor, no new pipeline per value). `castTo[i]` fixes operand i's dtype; the others are
 * typed by `compute`.
 */
export function map(op: string, operands: readonly Operand[], compute: Compute, f: (...xs: Expr[]) => Expr, castTo: readonly (DType | null)[] = []): Tensor {
  const tensors = operands.filter((o): o is Tensor => o instanceof Tensor);
  const backend = backendOf(op, tensors);
  let dt: DType | null = null;
  operands.forEach((o, i) => {
    if (castTo[i] || !(o instanceof Tensor)) return;
    dt = dt ? promoteTypes(dt, o.dtype) : o.dtype;
  });
  operands.forEach((o, i) => {
    if (castTo[i] || o instanceof Tensor) return;
    dt = dt ? promoteWithScalar(dt, o) : typeof o === 'boolean' ? 'bool' : Number.isInteger(o) ? 'int32' : 'float32';
  });
  let common: DType = dt ?? 'float32';
  if (compute === 'float') common = floatTypeOf(common);
  else if (compute !== 'promote') common = compute;
  const shape = broadcastShapes(op, ...tensors.map((t) => t.shape));
  const scalars: number[] = [];
  let nIn = 0;
  const exprs = operands.map((o, i) => {
    const to = castTo[i] ?? common;
    if (o instanceof Tensor) return castE(input(nIn++, o.dtype), to);
    scalars.push(Number(o));
    return scalar(scalars.length - 1, to);
  });
  const expr = f(...exprs);
  const out = empty(op, backend, shape, expr.dtype);
  runKernel(backend, { kind: 'elementwise', expr }, tensors.map((t) => viewOf(t, shape)), [viewOf(out)], scalars);
  return out;
}

/** A new tensor of `dtype` with the same values (a new handle on the same storage when the dtype already matches). */
export function cast(x: Tensor, dtype: DType): Tensor {
  x.assertLive('cast');
  if (x.dtype === dtype) return restride(x, x.shape, x.strides, x.offset);
  return map('cast', [x], dtype, (a) => a);
}

const floatOp = (op: string, f: (x: Expr) => Expr) => (x: TensorLike): Tensor => map(op, [x], 'float', f);
/** Numeric ops that keep the dtype (bool is counted as int32, as PyTorch refuses arithmetic on bool). */
const sameOp = (op: string, f: (x: Expr) => Expr) => (x: TensorLike): Tensor =>
  map(op, [x], x instanceof Tensor && x.dtype === 'bool' ? 'int32' : 'promote', f);

export const neg = sameOp('neg', (x) => call('neg', x));
export const abs = sameOp('abs', (x) => call('abs', x));
export const square = sameOp('square', (x) => mul_(x, x));
export const sign = sameOp('sign', (x) => call('sign', x));
export const relu = sameOp('relu', (x) => call('max', x, litLike(0, x)));
export const floor = sameOp('floor', (x) => (isFloat(x.dtype) ? call('floor', x) : x));
export const ceil = sameOp('ceil', (x) => (isFloat(x.dtype) ? call('ceil', x) : x));
/** Rounds half to even, as PyTorch does. */
export const round = sameOp('round', (x) => (isFloat(x.dtype) ? call('rint', x) : x));

export const exp = floatOp('exp', exp_);
export const log = floatOp('log', (x) => call('log', x));
export const log1p = floatOp('log1p', (x) => call('log1p', x));
export const expm1 = floatOp('expm1', (x) => call('expm1', x));
export const sqrt = floatOp('sqrt', (x) => call('sqrt', x));
export const rsqrt = floatOp('rsqrt', (x) => div_(one(x), call('sqrt', x)));
export const reciprocal = floatOp('reciprocal', (x) => div_(one(x), x));
export const sin = floatOp('sin', (x) => call('sin', x));
export const cos = floatOp('cos', (x) => call('cos', x));
export const tanh = floatOp('tanh', (x) => call('tanh', x));
export const erf = floatOp('erf', (x) => call('erf', x));
export const sigmoidExpr = (x: Expr): Expr => div_(one(x), add_(one(x), exp_(call('neg', x))));
export const sigmoid = floatOp('sigmoid', sigmoidExpr);
export const silu = floatOp('silu', (x) => mul_(x, sigmoidExpr(x)));
export const isnan = floatOp('isnan', (x) => call('isnan', x));
export const isinf = floatOp('isinf', (x) => call('isinf', x));

export interface GeluOptions {
  /** 'none' (exact, with erf, the default) or 'tanh' (the approximation of Hendrycks & Gimpel). */
  approximate?: 'none' | 'tanh';
}

export function gelu(x: TensorLike, options: GeluOptions = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
  return map('gelu', [x], 'float', (v) => {
    const half = mul_(litLike(0.5, v), v);
    if (approximate === 'none') return mul_(half, add_(one(v), call('erf', mul_(v, litLike(Math.SQRT1_2, v)))));
    const inner = mul_(litLike(Math.sqrt(2 / Math.PI), v), add_(v, mul_(litLike(0.044715, v), mul_(v, mul_(v, v)))));
    return mul_(half, add_(one(v), call('tanh', inner)));
  });
}

export interface SoftplusOptions {
  beta?: number;
  /** Above beta * x > threshold the function is taken as linear (PyTorch's default 20). */
  threshold?: number;
}

export function softplus(x: TensorLike, options: SoftplusOptions = {}): Tensor {
  const { beta = 1, threshold = 20 } = options;
  return map('softplus', [x, beta, threshold], 'float', (v, b, t) => {
    const bx = mul_(b, v);
    return call('select', call('gt', bx, t), v, div_(call('log1p', exp_(bx)), b));
  });
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
  });
}

const arith = (op: string, prim: 'add' | 'sub' | 'mul' | 'max' | 'min') => (a: TensorLike, b: TensorLike): Tensor => {
  const anyBool = [a, b].every((o) => o instanceof Tensor && o.dtype === 'bool');
  return map(op, [a, b], anyBool ? 'int32' : 'promote', (x, y) => call(prim, x, y));
};

export const add = arith('add', 'add');
export const sub = arith('sub', 'sub');
export const mul = arith('mul', 'mul');
/** NaN-propagating elementwise maximum. */
export const maximum = arith('maximum', 'max');
/** NaN-propagating elementwise minimum. */
export const minimum = arith('minimum', 'min');
/** True division: integer inputs give float32. */
export const div = (a: TensorLike, b: TensorLike): Tensor => map('div', [a, b], 'float', div_);

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
    if (exact) return map('pow', [x], x.dtype === 'bool' ? 'int32' : 'promote', exact);
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
  return map('pow', [x, exponent], 'float', (a, b) => call('pow', a, b));
}

const compare = (op: string, prim: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge') => (a: TensorLike, b: TensorLike): Tensor =>
  map(op, [a, b], 'promote', (x, y) => call(prim, x, y));

export const eq = compare('eq', 'eq');
export const ne = compare('ne', 'ne');
export const lt = compare('lt', 'lt');
export const le = compare('le', 'le');
export const gt = compare('gt', 'gt');
export const ge = compare('ge', 'ge');

export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => map('logicalAnd', [a, b], 'bool', (x, y) => call('and', x, y));
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => map('logicalOr', [a, b], 'bool', (x, y) => call('or', x, y));
export const logicalNot = (a: TensorLike): Tensor => map('logicalNot', [a], 'bool', (x) => call('not', x));

/** Elements of `a` where `condition` holds, else of `b` (broadcast; dtypes promoted). */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return map('where', [condition, a, b], 'promote', (c, x, y) => call('select', c, x, y), ['bool', null, null]);
}

/** `x` with `value` wherever `mask` is true; keeps x's dtype. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  x.assertLive('maskedFill');
  return map('maskedFill', [mask, value, x], x.dtype, (m, v, y) => call('select', m, v, y), ['bool', null, null]);
}
