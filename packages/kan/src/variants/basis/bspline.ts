import * as T from '@nonlinear/tensor';
import { ShapeError, ValueError, type Tensor } from '@nonlinear/tensor';
import { runBasis } from './kernel.js';

type Expr = T.expr.Expr;
const { call, litLike } = T.expr;

/**
 * The Cox-de Boor triangle of one basis function B_{0,k} from its k + 2 knots t[0..k+1]:
 * levels[p][m] = B_{m,p}(v) for m = 0..k-p. Order 0 is the half-open indicator
 * [t_m <= v < t_{m+1}], then each order is efficient-kan's
 * `(v - t_m)/(t_{m+p} - t_m) B_{m,p-1} + (t_{m+p+1} - v)/(t_{m+p+1} - t_{m+1}) B_{m+1,p-1}`,
 * unrolled into one expression.
 */
export function coxDeBoor(v: Expr, t: readonly Expr[], k: number): Expr[][] {
  const zero = litLike(0, v);
  const one = litLike(1, v);
  let b: Expr[] = [];
  for (let m = 0; m <= k; m++) b.push(call('select', call('and', call('ge', v, t[m]!), call('lt', v, t[m + 1]!)), one, zero));
  const levels = [b];
  for (let p = 1; p <= k; p++) {
    const next: Expr[] = [];
    for (let m = 0; m <= k - p; m++) {
      const left = call('mul', call('div', call('sub', v, t[m]!), call('sub', t[m + p]!, t[m]!)), b[m]!);
      const right = call('mul', call('div', call('sub', t[m + p + 1]!, v), call('sub', t[m + p + 1]!, t[m + 1]!)), b[m + 1]!);
      next.push(call('add', left, right));
    }
    b = next;
    levels.push(b);
  }
  return levels;
}

/** d/dv B_{0,k} = k (B_{0,k-1}/(t_k - t_0) - B_{1,k-1}/(t_{k+1} - t_1)); 0 for k = 0. */
export function coxDeBoorDerivative(v: Expr, t: readonly Expr[], k: number): Expr {
  if (k === 0) return litLike(0, v);
  const lower = coxDeBoor(v, t, k)[k - 1]!;
  const a = call('div', lower[0]!, call('sub', t[k]!, t[0]!));
  const b = call('div', lower[1]!, call('sub', t[k + 1]!, t[1]!));
  return call('mul', litLike(k, v), call('sub', a, b));
}

/** Checks x [N, D] against a knot grid [D, G] for order k and returns n = G - k - 1. */
export function checkSplineGrid(op: string, x: Tensor, grid: Tensor, order: number): number {
  if (!Number.isInteger(order) || order < 0) throw new ValueError(`${op}: order must be an integer >= 0, got ${order}`);
  if (x.ndim !== 2) throw new ShapeError(`${op}: x must be [N, D], got [${x.shape.join(', ')}]`);
  if (grid.ndim !== 2 || grid.shape[0] !== x.shape[1]) {
    throw new ShapeError(`${op}: grid must be [D, G] with D = ${x.shape[1]} (x's features), got [${grid.shape.join(', ')}]`);
  }
  const n = grid.shape[1]! - order - 1;
  if (n < 1) throw new ShapeError(`${op}: a grid of ${grid.shape[1]} knots has no basis function of order ${order} (needs at least ${order + 2})`);
  return n;
}

/** The k + 2 knot views t_m = grid[:, m : m + n] (each [D, n]) basis j reads as t_{j+m}. */
function knotViews(grid: Tensor, order: number, n: number): Tensor[] {
  return Array.from({ length: order + 2 }, (_, m) => grid.narrow(1, m, n));
}

/**
 * B-spline bases of order k (`spline order` in efficient-kan: cubic for k = 3) of x [N, D] on
 * per-feature knots grid [D, G]: the [N, D, G - k - 1] tensor B[b, i, j] = B_{j,k}(x[b, i]) over
 * the knots grid[i, j..j+k+1]. ONE elementwise kernel (the recursion unrolled per element, the
 * k + 2 knots read as shifted views of the grid) and, for the gradient, one row-program kernel;
 * the grid gets no gradient. Zero outside [grid[:, 0], grid[:, G-1]).
 */
export function bsplineBasis(x: Tensor, grid: Tensor, order: number): Tensor {
  const n = checkSplineGrid('bsplineBasis', x, grid, order);
  const knots = knotViews(grid, order, n);
  try {
    return runBasis(x, {
      name: `bsplineBasis${order}`,
      view: (v) => v.unsqueeze(-1),
      operands: knots,
      value: (v, ...t) => coxDeBoor(v, t, order)[order]![0]!,
      derivatives: [{ operands: knots, derivative: (v, ...t) => coxDeBoorDerivative(v, t, order) }],
      keep: [grid],
      reference: (xr, gr) => bsplineBasisReference(xr, gr!, order),
    });
  } finally {
    T.dispose(knots);
  }
}

/**
 * {@link bsplineBasis} composed from primitive ops, as efficient-kan computes it (the indicator
 * of each knot interval, then k rounds of the Cox-de Boor recursion over the whole tensor): the
 * reference the fused kernel is tested against, and the path of its second derivatives.
 */
export function bsplineBasisReference(x: Tensor, grid: Tensor, order: number): Tensor {
  checkSplineGrid('bsplineBasisReference', x, grid, order);
  const G = grid.shape[1]!;
  return T.tidy(() => {
    const xe = x.unsqueeze(-1);
    const t = (start: number, len: number): Tensor => grid.narrow(1, start, len);
    let b = xe.ge(t(0, G - 1)).logicalAnd(xe.lt(t(1, G - 1))).astype(x.dtype);
    for (let p = 1; p <= order; p++) {
      const len = G - 1 - p;
      const left = xe.sub(t(0, len)).div(t(p, len).sub(t(0, len))).mul(b.narrow(-1, 0, len));
      const right = t(p + 1, len).sub(xe).div(t(p + 1, len).sub(t(1, len))).mul(b.narrow(-1, 1, len));
      b = left.add(right);
    }
    return b;
  });
}

/**
 * The uniform knot grid of efficient-kan: `g + 2k + 1` knots `lo + (j - k) h`, j = 0..g+2k,
 * h = (hi - lo)/g (g intervals over [lo, hi] extended by k knots each side), computed in float64.
 */
export function uniformKnots(gridSize: number, order: number, lo: number, hi: number): Float64Array {
  const h = (hi - lo) / gridSize;
  return Float64Array.from({ length: gridSize + 2 * order + 1 }, (_, j) => (j - order) * h + lo);
}
