import * as T from '@nonlinear/tensor';
import { ShapeError, type Tensor } from '@nonlinear/tensor';
import { bsplineBasisReference, checkSplineGrid, coxDeBoor, coxDeBoorDerivative } from './bspline.js';
import { gaussianDerivative, gaussianExpr, gaussianRbfBasisReference } from './radial.js';
import { runBasis } from './kernel.js';

const { call } = T.expr;

/**
 * The BSRBF-KAN bases: B-splines of order k on the knots grid [D, G] plus Gaussian radial bases
 * exp(-((x - c_j)/h)^2) with centers c [n], n = G - k - 1, for x [N, D]: the [N, D, n] tensor
 * `B_{j,k}(x_i) + exp(-((x_i - c_j)/h)^2)`. ONE elementwise kernel (x, the k + 2 knot views and
 * the centers); the gradient is two row-program kernels (the B-spline and the RBF terms, each
 * within the device's binding limit) and their sum.
 */
export function bsrbfBasis(x: Tensor, grid: Tensor, order: number, centers: Tensor, denominator: number): Tensor {
  const n = checkSplineGrid('bsrbfBasis', x, grid, order);
  if (centers.ndim !== 1 || centers.shape[0] !== n) throw new ShapeError(`bsrbfBasis: centers must be [${n}] (one per basis), got [${centers.shape.join(', ')}]`);
  const knots = Array.from({ length: order + 2 }, (_, m) => grid.narrow(1, m, n));
  try {
    return runBasis(x, {
      name: `bsrbfBasis${order}`,
      view: (v) => v.unsqueeze(-1),
      operands: [...knots, centers, denominator],
      value: (v, ...o) => call('add', coxDeBoor(v, o.slice(0, order + 2), order)[order]![0]!, gaussianExpr(v, o[order + 2]!, o[order + 3]!)),
      derivatives: [
        { operands: knots, derivative: (v, ...t) => coxDeBoorDerivative(v, t, order) },
        { operands: [centers, denominator], derivative: (v, c, h) => gaussianDerivative(v, c!, h!) },
      ],
      keep: [grid, centers],
      reference: (xr, gr, c) => bsrbfBasisReference(xr, gr!, order, c!, denominator),
    });
  } finally {
    T.dispose(knots);
  }
}

/** {@link bsrbfBasis} composed from primitive ops, as BSRBF-KAN computes it. */
export function bsrbfBasisReference(x: Tensor, grid: Tensor, order: number, centers: Tensor, denominator: number): Tensor {
  checkSplineGrid('bsrbfBasisReference', x, grid, order);
  return T.tidy(() => bsplineBasisReference(x, grid, order).add(gaussianRbfBasisReference(x, centers, denominator)));
}
