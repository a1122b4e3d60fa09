import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { recomputeGrads } from '@nonlinear/activations';

const { call } = T.expr;

/**
 * softmax over the last dim with a one-kernel backward: ONE row program forward, ONE row program
 * backward (dx = y (g - sum(g y))), where the composed backward reduces over the rows separately
 * (slow for the short rows of the bumps on some devices). Second derivatives differentiate
 * `T.softmax`.
 */
export function rowSoftmax(x: Tensor): Tensor {
  return T.tidy(() => {
    const [y] = T.rowProgram('rowSoftmax', [x.detach()], 'float', (row, v) => {
      const e = call('exp', call('sub', v!, row.max(v!)));
      return [call('div', e, row.sum(e))];
    });
    T.record('rowSoftmax', [x], [y!], ([g], [xs], [ys]) => {
      if (T.isGradEnabled()) return recomputeGrads(() => T.softmax(xs!, -1), [xs!], g!);
      const [dx] = T.rowProgram('rowSoftmaxBackward', [ys!, g!], 'float', (row, yv, gv) => [call('mul', yv!, call('sub', gv!, row.sum(call('mul', gv!, yv!))))]);
      return [dx!];
    }, true);
    return y!;
  });
}
