import { call, type Expr } from '../expr.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { add, mul, rsqrt, sub } from './elementwise.js';
import { mean } from './reduce.js';
import { rowProgram } from './rows.js';

/**
 * Layer and RMS normalisation over the last dim (torch.nn.functional.layer_norm and rms_norm
 * with a one-dim normalized shape). The forward pass is ONE row-program kernel; the backward is
 * written with public ops so it can be differentiated again.
 */

const rsqrtE = (e: Expr): Expr => call('div', { k: 'const', v: 1, dtype: e.dtype }, call('sqrt', e));

/** (x - mean) / sqrt(var + eps) * weight + bias over the last dim (biased variance, as PyTorch). */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  x.assertLive('layerNorm');
  const operands = [x, eps, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return rowProgram('layerNorm', operands, 'float', (row, v, e, ...affine) => {
    const L = row.length(v.dtype);
    const m = call('div', row.sum(v), L);
    const centered = call('sub', v, m);
    const variance = call('div', row.sum(call('mul', centered, centered)), L);
    let y = call('mul', centered, rsqrtE(call('add', variance, e!)));
    if (weight) y = call('mul', y, affine[0]!);
    if (bias) y = call('add', y, affine[weight ? 1 : 0]!);
    return [y];
  }, {
    grad: ([g], [xs, , w]) => {
      const ws = weight ? w! : null;
      return tidy(() => {
        const centered = sub(xs!, mean(xs!, -1, true));
        const rstd = rsqrt(add(mean(mul(centered, centered), -1, true), eps));
        const xhat = mul(centered, rstd);
        const gw = ws ? mul(g!, ws) : g!;
        const dx = mul(rstd, sub(sub(gw, mean(gw, -1, true)), mul(xhat, mean(mul(gw, xhat), -1, true))));
        // Gradients at x's shape; autograd sums them over the rows to the affine shapes.
        return [dx, null, ...(weight ? [mul(g!, xhat)] : []), ...(bias ? [g!] : [])];
      });
    },
  })[0]!;
}

/** x / sqrt(mean(x^2) + eps) * weight over the last dim. */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor {
  x.assertLive('rmsNorm');
  const operands = [x, eps, ...(weight ? [weight] : [])];
  return rowProgram('rmsNorm', operands, 'float', (row, v, e, w) => {
    const ms = call('div', row.sum(call('mul', v, v)), row.length(v.dtype));
    const y = call('mul', v, rsqrtE(call('add', ms, e!)));
    return [weight ? call('mul', y, w!) : y];
  }, {
    grad: ([g], [xs, , w]) =>
      tidy(() => {
        const rstd = rsqrt(add(mean(mul(xs!, xs!), -1, true), eps));
        const xhat = mul(xs!, rstd);
        const gw = weight ? mul(g!, w!) : g!;
        const dx = mul(rstd, sub(gw, mul(xhat, mean(mul(gw, xhat), -1, true))));
        return [dx, null, ...(weight ? [mul(g!, xhat)] : [])];
      }),
  })[0]!;
}
