import * as T from '@nonlinear/tensor';
import { ShapeError, type Tensor } from '@nonlinear/tensor';
import { runBasis } from './kernel.js';

type Expr = T.expr.Expr;
const { call, litLike } = T.expr;

function checkFrequencies(op: string, x: Tensor, frequencies: Tensor): number {
  if (x.ndim !== 2) throw new ShapeError(`${op}: x must be [N, D], got [${x.shape.join(', ')}]`);
  if (frequencies.ndim !== 4 || frequencies.shape[0] !== 2 || frequencies.shape[1] !== 1 || frequencies.shape[2] !== 1) {
    throw new ShapeError(`${op}: frequencies must be the table [2, 1, 1, g] (1..g, then -1..-g), got [${frequencies.shape.join(', ')}]`);
  }
  return frequencies.shape[3]!;
}

/** cos(k v) for k > 0, sin(|k| v) for k < 0. */
function value(v: Expr, k: Expr): Expr {
  const kx = call('mul', k, v);
  return call('select', call('gt', k, litLike(0, k)), call('cos', kx), call('sin', call('neg', kx)));
}

/** d/dv of {@link value}: -k sin(k v), or |k| cos(|k| v). */
function derivative(v: Expr, k: Expr): Expr {
  const kx = call('mul', k, v);
  return call('select', call('gt', k, litLike(0, k)), call('neg', call('mul', k, call('sin', kx))), call('mul', call('neg', k), call('cos', call('neg', kx))));
}

/**
 * The Fourier bases of FourierKAN for x [N, D]: a [2, N, D, g] tensor holding cos(k x) in slice 0
 * and sin(k x) in slice 1, for the table frequencies [2, 1, 1, g] = (1..g, -1..-g) (the sign picks
 * sin, so neither kernel reads coordinates). ONE elementwise kernel (x as [1, N, D, 1] against
 * the table); the gradient is one row-program kernel and the sum of the two halves. The cos/sin
 * split along a leading dim lets the output map be one batched matmul with the coefficients in
 * FourierKAN's [2, out, in, g] layout, read in place.
 */
export function fourierBasis(x: Tensor, frequencies: Tensor): Tensor {
  checkFrequencies('fourierBasis', x, frequencies);
  return runBasis(x, {
    name: 'fourierBasis',
    view: (v) => v.reshape([1, x.shape[0]!, x.shape[1]!, 1]),
    operands: [frequencies],
    value: (v, k) => value(v, k!),
    derivatives: [{ operands: [frequencies], derivative: (v, k) => derivative(v, k!) }],
    pairedLeading: true,
    keep: [frequencies],
    reference: (xr, k) => fourierBasisReference(xr, k!),
  });
}

/** {@link fourierBasis} composed from primitive ops (FourierKAN's cos(k x), sin(k x), stacked). */
export function fourierBasisReference(x: Tensor, frequencies: Tensor): Tensor {
  checkFrequencies('fourierBasisReference', x, frequencies);
  return T.tidy(() => {
    const kx = x.reshape([1, x.shape[0]!, x.shape[1]!, 1]).mul(frequencies.narrow(0, 0, 1));
    return T.cat([kx.cos(), kx.sin()], 0);
  });
}
