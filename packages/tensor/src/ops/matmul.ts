import { promoteTypes } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { broadcastShapes, formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, empty, runKernel, viewOf } from './core.js';
import { cast } from './elementwise.js';
import { squeeze, transpose, unsqueeze } from './view.js';
import { record } from '../autograd/tape.js';

/**
 * Matrix product with PyTorch's rules: 1-D operands are promoted to a row or column and the
 * added dim removed after; batch dims broadcast. Strided operands (a transpose, a slice) are
 * read in place, never copied.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const backend = backendOf('matmul', [a, b]);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both operands need at least one dimension, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  if (a.dtype === 'bool' || b.dtype === 'bool') throw new DTypeError(`matmul: bool operands are not supported (got ${a.dtype} and ${b.dtype})`);
  return tidy(() => {
    const dtype = promoteTypes(a.dtype, b.dtype);
    const A = a.ndim === 1 ? unsqueeze(a, 0) : a;
    const B = b.ndim === 1 ? unsqueeze(b, -1) : b;
    const K = A.shape[A.ndim - 1]!;
    if (B.shape[B.ndim - 2] !== K) {
      throw new ShapeError(`matmul: inner dimensions differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)} (${K} vs ${B.shape[B.ndim - 2]})`);
    }
    const M = A.shape[A.ndim - 2]!;
    const N = B.shape[B.ndim - 1]!;
    const batch = broadcastShapes('matmul', A.shape.slice(0, -2), B.shape.slice(0, -2));
    const Ac = cast(A, dtype);
    const Bc = cast(B, dtype);
    const out = empty('matmul', backend, [...batch, M, N], dtype);
    if (out.size > 0) {
      runKernel(backend, { kind: 'matmul' }, [viewOf(Ac, [...batch, M, K]), viewOf(Bc, [...batch, K, N])], [viewOf(out)]);
    }
    // Gradients at the broadcast batch shape; autograd sums them back to each operand's shape.
    record('matmul', [Ac, Bc], [out], ([g], [x, y]) => [matmul(g!, transpose(y!, -2, -1)), matmul(transpose(x!, -2, -1), g!)]);
    let r = out;
    if (a.ndim === 1) r = squeeze(r, -2);
    if (b.ndim === 1) r = squeeze(r, -1);
    return r;
  });
}
