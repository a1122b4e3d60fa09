import * as T from '@nonlinear/tensor';
import { ShapeError, ValueError, type Tensor } from '@nonlinear/tensor';
import { runBasis } from './kernel.js';

type Expr = T.expr.Expr;
const { call, lit, litLike } = T.expr;

/** [T_0(t), ..., T_deg(t)] and their derivatives in t, by the three-term recursions. */
function chebyshevRecursion(t: Expr, degree: number): { values: Expr[]; slopes: Expr[] } {
  const two = litLike(2, t);
  const values: Expr[] = [litLike(1, t), t];
  const slopes: Expr[] = [litLike(0, t), litLike(1, t)];
  for (let m = 1; m < degree; m++) {
    values.push(call('sub', call('mul', call('mul', two, t), values[m]!), values[m - 1]!));
    // T'_{m+1} = 2 T_m + 2 t T'_m - T'_{m-1}
    slopes.push(call('sub', call('add', call('mul', two, values[m]!), call('mul', call('mul', two, t), slopes[m]!)), slopes[m - 1]!));
  }
  return { values: values.slice(0, degree + 1), slopes: slopes.slice(0, degree + 1) };
}

/** Picks entry d of `options` by the degree operand (a float holding 0..deg). */
function pick(d: Expr, options: readonly Expr[]): Expr {
  let out = options[options.length - 1]!;
  for (let m = options.length - 2; m >= 0; m--) out = call('select', call('eq', d, lit(m, d.dtype)), options[m]!, out);
  return out;
}

function checkDegrees(op: string, x: Tensor, degrees: Tensor): number {
  if (x.ndim < 1) throw new ShapeError(`${op}: x needs at least one dim, got a 0-d tensor`);
  if (degrees.ndim !== 1 || degrees.shape[0]! < 1) throw new ShapeError(`${op}: degrees must be the 1-D table [0, 1, ..., degree], got [${degrees.shape.join(', ')}]`);
  return degrees.shape[0]! - 1;
}

/**
 * Chebyshev bases of the first kind of tanh(x) (ChebyKAN): B[..., i, d] = T_d(tanh x[..., i]) for
 * d = 0..degree, given the table degrees = [0, 1, ..., degree] (ChebyKAN's `arange` buffer). ONE
 * elementwise kernel: the recursion T_{m+1} = 2 t T_m - T_{m-1} unrolled, the entry chosen by the
 * degree; the gradient (T'_d(t) (1 - t^2)) is one row-program kernel. ChebyKAN writes
 * T_d(t) = cos(d acos t), whose gradient is NaN at t = +-1 (tanh saturates there in float32);
 * the recursion is the same polynomial and has none.
 */
export function chebyshevBasis(x: Tensor, degrees: Tensor): Tensor {
  const degree = checkDegrees('chebyshevBasis', x, degrees);
  return runBasis(x, {
    name: `chebyshevBasis${degree}`,
    view: (v) => v.unsqueeze(-1),
    operands: [degrees],
    value: (v, d) => pick(d!, chebyshevRecursion(call('tanh', v), degree).values),
    derivatives: [{
      operands: [degrees],
      derivative: (v, d) => {
        const t = call('tanh', v);
        return call('mul', pick(d!, chebyshevRecursion(t, degree).slopes), call('sub', litLike(1, v), call('mul', t, t)));
      },
    }],
    keep: [degrees],
    reference: (xr, d) => chebyshevBasisReference(xr, d!),
  });
}

/** {@link chebyshevBasis} composed from primitive ops (the recursion over whole tensors, then a stack). */
export function chebyshevBasisReference(x: Tensor, degrees: Tensor): Tensor {
  const degree = checkDegrees('chebyshevBasisReference', x, degrees);
  if (!Number.isInteger(degree)) throw new ValueError('chebyshevBasisReference: bad degree table');
  return T.tidy(() => {
    const t = x.tanh();
    const values: Tensor[] = [T.onesLike(t), t];
    for (let m = 1; m < degree; m++) values.push(t.mul(2).mul(values[m]!).sub(values[m - 1]!));
    return T.stack(values.slice(0, degree + 1), -1);
  });
}
