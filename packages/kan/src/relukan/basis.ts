import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { fusedBasis, referenceBasis, type BasisFamily } from '../kernels/basis.js';

const { call, litLike } = T.expr;
type Expr = T.expr.Expr;

const mul = (a: Expr, b: Expr): Expr => call('mul', a, b);
const sub = (a: Expr, b: Expr): Expr => call('sub', a, b);
const div = (a: Expr, b: Expr): Expr => call('div', a, b);
const relu = (v: Expr): Expr => call('max', v, litLike(0, v));

/** p = relu(e - x), q = relu(x - s), h = e - s, c = 16 / h^4 as shared expression nodes. */
function parts(x: Expr, s: Expr, e: Expr) {
  const p = relu(sub(e, x));
  const q = relu(sub(x, s));
  const h = sub(e, s);
  const h2 = mul(h, h);
  const c = div(litLike(16, h), mul(h2, h2));
  return { p, q, h, c, pq: mul(p, q) };
}

/**
 * ReLU-KAN's bump R(x; s, e) = [relu(e - x) relu(x - s)]^2 16 / (e - s)^4 (peak 1 at the
 * midpoint), with the trainable ends s and e inside the scale as well. Partials, with p, q, h, c
 * as in the code: dR/dx = 2c pq (p - q), dR/ds = -2c p^2 q + 4 c (pq)^2 / h,
 * dR/de = 2c p q^2 - 4 c (pq)^2 / h.
 */
export const RELU_KAN_BASIS: BasisFamily = {
  name: 'reluKanBasis',
  value: (x, s, e) => {
    const { c, pq } = parts(x, s, e);
    return mul(mul(pq, pq), c);
  },
  partials: (x, s, e) => {
    const { p, q, h, c, pq } = parts(x, s, e);
    const two = litLike(2, x);
    const c2pq = mul(mul(two, c), pq);
    const scaleTerm = div(mul(mul(litLike(4, x), c), mul(pq, pq)), h);
    return [mul(c2pq, sub(p, q)), sub(scaleTerm, mul(c2pq, p)), sub(mul(c2pq, q), scaleTerm)];
  },
  reference: (x, s, e) => {
    const pq = T.mul(T.relu(T.sub(e, x)), T.relu(T.sub(x, s)));
    return T.div(T.mul(T.square(pq), 16), T.pow(T.sub(e, s), 4));
  },
};

/**
 * The ReLU-KAN basis of x (..., D) on per-input grids s, e (D, n): R (..., D, n). One kernel
 * forward, one kernel (and two reductions) backward.
 */
export function reluKanBasis(x: Tensor, s: Tensor, e: Tensor): Tensor {
  return fusedBasis(RELU_KAN_BASIS, x, s, e);
}

/** {@link reluKanBasis} composed from public ops (the reference; any order of derivatives). */
export function reluKanBasisReference(x: Tensor, s: Tensor, e: Tensor): Tensor {
  return referenceBasis(RELU_KAN_BASIS, x, s, e);
}
