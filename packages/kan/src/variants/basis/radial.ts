import * as T from '@nonlinear/tensor';
import { ShapeError, ValueError, type Tensor } from '@nonlinear/tensor';
import { runBasis } from './kernel.js';

type Expr = T.expr.Expr;
const { call, litLike } = T.expr;

function checkCenters(op: string, x: Tensor, centers: Tensor, width: number, what: string): void {
  if (x.ndim < 1) throw new ShapeError(`${op}: x needs at least one dim, got a 0-d tensor`);
  if (centers.ndim !== 1) throw new ShapeError(`${op}: centers must be 1-D [n], got [${centers.shape.join(', ')}]`);
  if (typeof width !== 'number' || !(width > 0) || !Number.isFinite(width)) throw new ValueError(`${op}: ${what} must be a finite number > 0, got ${width}`);
}

/** exp(-((v - c)/h)^2), dividing by h as fast-kan does. */
export function gaussianExpr(v: Expr, c: Expr, h: Expr): Expr {
  const z = call('div', call('sub', v, c), h);
  return call('exp', call('neg', call('mul', z, z)));
}

/** d/dv exp(-((v - c)/h)^2) = -2 z exp(-z^2) / h. */
export function gaussianDerivative(v: Expr, c: Expr, h: Expr): Expr {
  const z = call('div', call('sub', v, c), h);
  const e = call('exp', call('neg', call('mul', z, z)));
  return call('div', call('mul', call('mul', litLike(-2, v), z), e), h);
}

/**
 * Gaussian radial bases (FastKAN): B[..., i, j] = exp(-((x[..., i] - c_j)/h)^2) for x [..., D]
 * and centers c [n], a [..., D, n] tensor. ONE elementwise kernel (x [..., D, 1] broadcast
 * against c [n]); the gradient is one row-program kernel; the centers get none.
 */
export function gaussianRbfBasis(x: Tensor, centers: Tensor, denominator: number): Tensor {
  checkCenters('gaussianRbfBasis', x, centers, denominator, 'denominator');
  return runBasis(x, {
    name: 'gaussianRbfBasis',
    view: (v) => v.unsqueeze(-1),
    operands: [centers, denominator],
    value: (v, c, h) => gaussianExpr(v, c!, h!),
    derivatives: [{ operands: [centers, denominator], derivative: (v, c, h) => gaussianDerivative(v, c!, h!) }],
    keep: [centers],
    reference: (xr, c) => gaussianRbfBasisReference(xr, c!, denominator),
  });
}

/** {@link gaussianRbfBasis} composed from primitive ops (fast-kan's expression). */
export function gaussianRbfBasisReference(x: Tensor, centers: Tensor, denominator: number): Tensor {
  checkCenters('gaussianRbfBasisReference', x, centers, denominator, 'denominator');
  return T.tidy(() => x.unsqueeze(-1).sub(centers).div(denominator).square().neg().exp());
}

/**
 * The reflectional switch (RSWAF) bases of FasterKAN: B[..., i, j] = 1 - tanh^2((x[..., i] - c_j) s)
 * with s the inverse denominator, a [..., D, n] tensor: ONE elementwise kernel, and one row-program kernel
 * for the gradient (the exact derivative -2 s tanh (1 - tanh^2)).
 */
export function rswafBasis(x: Tensor, centers: Tensor, invDenominator: number): Tensor {
  checkCenters('rswafBasis', x, centers, invDenominator, 'invDenominator');
  return runBasis(x, {
    name: 'rswafBasis',
    view: (v) => v.unsqueeze(-1),
    operands: [centers, invDenominator],
    value: (v, c, s) => {
      const th = call('tanh', call('mul', call('sub', v, c!), s!));
      return call('sub', litLike(1, v), call('mul', th, th));
    },
    derivatives: [{
      operands: [centers, invDenominator],
      derivative: (v, c, s) => {
        const th = call('tanh', call('mul', call('sub', v, c!), s!));
        return call('mul', call('mul', call('mul', litLike(-2, v), s!), th), call('sub', litLike(1, v), call('mul', th, th)));
      },
    }],
    keep: [centers],
    reference: (xr, c) => rswafBasisReference(xr, c!, invDenominator),
  });
}

/** {@link rswafBasis} composed from primitive ops. */
export function rswafBasisReference(x: Tensor, centers: Tensor, invDenominator: number): Tensor {
  checkCenters('rswafBasisReference', x, centers, invDenominator, 'invDenominator');
  return T.tidy(() => T.sub(1, x.unsqueeze(-1).sub(centers).mul(invDenominator).tanh().square()));
}
