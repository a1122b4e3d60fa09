import * as T from '@nonlinear/tensor';
import { ShapeError, type Tensor } from '@nonlinear/tensor';
import { recomputeGrads } from '@nonlinear/activations';

const { call } = T.expr;

/**
 * EfficientKAN's scaled spline weights `w * s[..., None]` for w [O, D, n] and s [O, D]: one
 * elementwise kernel; the backward is `g * s` (one kernel) and the row sums of `g * w` for s (one
 * row-program kernel, instead of autograd's reduction over O * D rows of n, which is much slower).
 */
export function scaleRows(w: Tensor, s: Tensor): Tensor {
  if (w.ndim !== 3 || s.ndim !== 2 || w.shape[0] !== s.shape[0] || w.shape[1] !== s.shape[1]) {
    throw new ShapeError(`scaleRows: need w [O, D, n] and s [O, D], got [${w.shape.join(', ')}] and [${s.shape.join(', ')}]`);
  }
  const wd = w.detach();
  const sd = s.detach().unsqueeze(-1);
  const y = T.map('scaleRows', [wd, sd], 'float', (a, b) => call('mul', a, b));
  T.dispose([wd, sd]);
  T.record('scaleRows', [w, s], [y], ([g], [wi, si]) => {
    if (T.isGradEnabled()) return recomputeGrads(() => wi!.mul(si!.unsqueeze(-1)), [wi!, si!], g!);
    return T.tidy(() => {
      const dw = wi!.requiresGrad ? g!.mul(si!.unsqueeze(-1)) : null;
      const ds = si!.requiresGrad
        ? T.rowProgram('scaleRowsBackward', [g!, wi!], 'float', (row, gv, wv) => [row.sum(call('mul', gv!, wv!))])[0]!.narrow(-1, 0, 1).reshape(si!.shape as number[])
        : null;
      return [dw, ds];
    });
  });
  return y;
}
