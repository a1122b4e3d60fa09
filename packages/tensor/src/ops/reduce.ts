import type { ReduceOp } from '../backend/kernel.js';
import type { DType } from '../dtype.js';
import { floatTypeOf, isFloat } from '../dtype.js';
import { ValueError } from '../errors.js';
import { tidy } from '../memory.js';
import { coalesceDims, normalizeAxes, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, empty, runKernel, viewOf } from './core.js';
import * as ew from './elementwise.js';
import { expand, permute, reshape, squeeze } from './view.js';
import { record } from '../autograd/tape.js';
import { call } from '../expr.js';
import { rowProgram } from './rows.js';

/**
 * The dims a reduction folds: one index or several (negative counts from the end); null or
 * undefined means all.
 */
export type Dims = number | readonly number[] | null | undefined;

/**
 * The one reduction primitive: the kept dims of x become the output, the reduced dims are folded
 * by `op`. Dims are reordered by a free view (kept first), then merged where contiguous.
 */
function reduceDims(name: string, op: ReduceOp, x: Tensor, dim: Dims, keepdim: boolean, outDtype: DType): Tensor {
  const backend = backendOf(name, [x]);
  const axes = normalizeAxes(name, dim, x.ndim);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outer = coalesceDims(kept.map((i) => x.shape[i]!), [kept.map((i) => x.strides[i]!)]);
  const inner = coalesceDims(axes.map((i) => x.shape[i]!), [axes.map((i) => x.strides[i]!)]);
  const nInner = inner.shape.reduce((a, b) => a * b, 1);
  if (nInner === 0 && op !== 'sum' && op !== 'prod') {
    throw new ValueError(`${name}: cannot reduce over an empty dimension (shape [${x.shape.join(', ')}], dims [${axes.join(', ')}])`);
  }
  const outShape = keepdim ? x.shape.map((s, i) => (axes.includes(i) ? 1 : s)) : kept.map((i) => x.shape[i]!);
  const out = empty(name, backend, outShape, outDtype);
  if (out.size === 0) return out;
  const input = {
    buffer: x.storage.buffer,
    dtype: x.dtype,
    shape: [...outer.shape, ...inner.shape],
    strides: [...outer.strides[0]!, ...inner.strides[0]!],
    offset: x.offset,
  };
  runKernel(backend, { kind: 'reduce', op, outer: outer.shape.length, inner: inner.shape.length }, [input], [viewOf(out)]);
  const back = REDUCE_GRAD[op];
  if (back) {
    const keepShape = x.shape.map((s, i) => (axes.includes(i) ? 1 : s));
    record(name, [x], [out], (gs, [xs], [o]) => [back(expand(reshape(gs[0]!, keepShape), x.shape), xs!, o ? expand(reshape(o, keepShape), x.shape) : xs!, axes)], op !== 'sum');
  }
  return out;
}

/** Gradients of the reductions, given the output gradient and output already expanded to x's shape. */
const REDUCE_GRAD: Partial<Record<ReduceOp, (g: Tensor, x: Tensor, out: Tensor, axes: number[]) => Tensor>> = {
  sum: (g) => g,
  prod: (g, x, out) => ew.div(ew.mul(g, out), x),
  max: extremumGrad,
  min: extremumGrad,
};

/** Ties share the gradient evenly, as PyTorch's amax/amin do. */
function extremumGrad(g: Tensor, x: Tensor, out: Tensor, axes: number[]): Tensor {
  const mask = ew.cast(ew.eq(x, out), g.dtype);
  return ew.div(ew.mul(g, mask), sum(mask, axes, true));
}

/** bool counts as int32 in reductions (PyTorch sums bools to integers). */
function numeric(x: Tensor, name: string, f: (v: Tensor) => Tensor): Tensor {
  x.assertLive(name);
  if (x.dtype !== 'bool') return f(x);
  return tidy(() => f(ew.cast(x, 'int32')));
}

/** Sum over `dim` (`torch.sum`); `keepdim` leaves size-1 dims in place. bool sums to int32. */
export const sum = (x: Tensor, dim?: Dims, keepdim = false): Tensor => numeric(x, 'sum', (v) => reduceDims('sum', 'sum', v, dim, keepdim, v.dtype));
/** Product over `dim` (`torch.prod`). */
export const prod = (x: Tensor, dim?: Dims, keepdim = false): Tensor => numeric(x, 'prod', (v) => reduceDims('prod', 'prod', v, dim, keepdim, v.dtype));
/**
 * Largest value over `dim`, NaN-propagating (`torch.amax`: values only; use {@link argmax} for
 * indices). Ties share the gradient evenly.
 */
export const max = (x: Tensor, dim?: Dims, keepdim = false): Tensor => numeric(x, 'max', (v) => reduceDims('max', 'max', v, dim, keepdim, v.dtype));
/** Smallest value over `dim`, NaN-propagating (`torch.amin`; {@link argmin} for indices). */
export const min = (x: Tensor, dim?: Dims, keepdim = false): Tensor => numeric(x, 'min', (v) => reduceDims('min', 'min', v, dim, keepdim, v.dtype));

/** Number of elements a reduction over `dim` folds into each output. */
function count(x: Tensor, name: string, dim: Dims): number {
  return normalizeAxes(name, dim, x.ndim).reduce((a, i) => a * x.shape[i]!, 1);
}

/** Arithmetic mean over `dim` (`torch.mean`); integer inputs give float32. */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  x.assertLive('mean');
  const n = count(x, 'mean', dim);
  return tidy(() => ew.div(sum(ew.cast(x, floatTypeOf(x.dtype)), dim, keepdim), n));
}

/** Options of {@link variance} and {@link std}. */
export interface VarOptions {
  /** Subtracted from the count in the denominator: 1 (default) is the unbiased estimator, 0 the population variance. */
  correction?: number;
  /** Keep reduced dims as size 1. */
  keepdim?: boolean;
}

/** Variance by two passes (mean, then squared deviations), as accurate as PyTorch's. */
export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  const { correction = 1, keepdim = false } = options;
  x.assertLive('var');
  const n = count(x, 'var', dim);
  return tidy(() => {
    const xf = ew.cast(x, floatTypeOf(x.dtype));
    const d = ew.sub(xf, mean(xf, dim, true));
    return ew.div(sum(ew.mul(d, d), dim, keepdim), Math.max(n - correction, 0));
  });
}

/** Standard deviation over `dim`: the square root of {@link variance} (`torch.std`). */
export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return tidy(() => ew.sqrt(variance(x, dim, options)));
}

/** The max over dims with infinities kept out of the shift (so all -inf rows give -inf, not NaN). */
function safeMax(x: Tensor, dim: Dims): Tensor {
  return tidy(() => {
    const m = max(x, dim, true);
    return ew.where(ew.isinf(m), 0, m);
  });
}

/** log(sum(exp(x))) over dims, computed stably. */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  x.assertLive('logsumexp');
  return tidy(() => {
    const xf = ew.cast(x, floatTypeOf(x.dtype));
    const m = safeMax(xf, dim);
    const r = ew.add(ew.log(sum(ew.exp(ew.sub(xf, m)), dim, true)), m);
    return keepdim ? r : squeeze(r, normalizeAxes('logsumexp', dim, x.ndim));
  });
}

/** exp(x) / sum(exp(x)) along `dim`, shifted by the max so it cannot overflow (`torch.softmax`). */
export function softmax(x: Tensor, dim: number): Tensor {
  x.assertLive('softmax');
  return alongRows('softmax', x, dim, (v) =>
    rowProgram('softmax', [v], 'float', (row, e) => {
      const shifted = call('sub', e, row.max(e));
      const ex = call('exp', shifted);
      return [call('div', ex, row.sum(ex))];
    }, {
      // dx = y (g - sum(g y)), written with public ops so it differentiates again.
      grad: ([g], _ins, [y]) => [ew.mul(y!, ew.sub(g!, sum(ew.mul(g!, y!), -1, true)))],
      saveOutputs: true,
    })[0]!,
  );
}

/**
 * x - logsumexp(x) along `dim`, stable for large logits (`torch.log_softmax`); prefer it to
 * log(softmax(x)).
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  x.assertLive('logSoftmax');
  return alongRows('logSoftmax', x, dim, (v) =>
    rowProgram('logSoftmax', [v], 'float', (row, e) => {
      const shifted = call('sub', e, row.max(e));
      return [call('sub', shifted, call('log', row.sum(call('exp', shifted))))];
    }, {
      // dx = g - softmax(x) sum(g).
      grad: ([g], _ins, [y]) => [ew.sub(g!, ew.mul(ew.exp(y!), sum(g!, -1, true)))],
      saveOutputs: true,
    })[0]!,
  );
}

/** Softmax-like ops run as one row program over `dim` moved last (0-d tensors as one-element rows). */
function alongRows(op: string, x: Tensor, dim: number, f: (rows: Tensor) => Tensor): Tensor {
  if (x.ndim > 0) return alongLastDim(op, x, dim, (rows) => [f(rows)])[0]!;
  normalizeAxis(op, dim, 0);
  return tidy(() => reshape(f(reshape(x, [1])), []));
}

/** Vector p-norm over dims (PyTorch's linalg.vector_norm): p may be any number, 'inf' or '-inf'. */
export function norm(x: Tensor, p: number | 'inf' | '-inf' = 2, dim?: Dims, keepdim = false): Tensor {
  x.assertLive('norm');
  const pv = p === 'inf' ? Infinity : p === '-inf' ? -Infinity : p;
  if (typeof pv !== 'number' || Number.isNaN(pv)) throw new ValueError(`norm: p must be a number, 'inf' or '-inf', got ${String(p)}`);
  return tidy(() => {
    const a = ew.abs(ew.cast(x, floatTypeOf(x.dtype)));
    if (pv === Infinity) return max(a, dim, keepdim);
    if (pv === -Infinity) return min(a, dim, keepdim);
    if (pv === 0) return sum(ew.cast(ew.ne(a, 0), a.dtype), dim, keepdim);
    if (pv === 1) return sum(a, dim, keepdim);
    if (pv === 2) return ew.sqrt(sum(ew.mul(a, a), dim, keepdim));
    return ew.pow(sum(ew.pow(a, pv), dim, keepdim), 1 / pv);
  });
}

function argReduce(name: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  x.assertLive(name);
  return tidy(() => {
    const v = x.dtype === 'bool' ? ew.cast(x, 'int32') : x;
    if (dim === null || dim === undefined) {
      const r = reduceDims(name, name, reshape(v, [-1]), 0, false, 'int32');
      return keepdim ? reshape(r, x.shape.map(() => 1)) : r;
    }
    return reduceDims(name, name, v, normalizeAxis(name, dim, x.ndim), keepdim, 'int32');
  });
}

/** Index of the largest element (the first one on ties; NaN counts as largest). */
export const argmax = (x: Tensor, dim?: number | null, keepdim = false): Tensor => argReduce('argmax', x, dim, keepdim);
/**
 * Index of the smallest element (the first on ties; NaN counts as smallest), int32
 * (`torch.argmin`).
 */
export const argmin = (x: Tensor, dim?: number | null, keepdim = false): Tensor => argReduce('argmin', x, dim, keepdim);

/** Moves `dim` last (a view), runs a line kernel, and moves it back. */
export function alongLastDim(name: string, x: Tensor, dim: number, run: (moved: Tensor) => Tensor[]): Tensor[] {
  const d = normalizeAxis(name, dim, x.ndim);
  if (d === x.ndim - 1) return tidy(() => run(x));
  const order = x.shape.map((_, i) => i).filter((i) => i !== d);
  order.push(d);
  const inverse = order.map((_, i) => order.indexOf(i));
  return tidy(() => run(permute(x, order)).map((t) => permute(t, inverse)));
}

/** Running sum along `dim` (`torch.cumsum`); bool and int32 give int32. */
export function cumsum(x: Tensor, dim: number): Tensor {
  x.assertLive('cumsum');
  const backend = backendOf('cumsum', [x]);
  if (x.ndim === 0) return ew.cast(x, isFloat(x.dtype) ? x.dtype : 'int32');
  return alongLastDim('cumsum', x, dim, (moved) => {
    const src = isFloat(moved.dtype) || moved.dtype === 'int32' ? moved : ew.cast(moved, 'int32');
    const out = empty('cumsum', backend, src.shape, src.dtype);
    if (out.size > 0) {
      runKernel(backend, { kind: 'cumsum' }, [viewOf(src)], [viewOf(out)]);
      // d/dx_j of sum_{i>=j}: the reversed cumulative sum of the gradient.
      record('cumsum', [src], [out], ([g]) => [ew.add(ew.sub(sum(g!, -1, true), cumsum(g!, -1)), g!)]);
    }
    return [out];
  })[0]!;
}
