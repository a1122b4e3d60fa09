import { DTypeError, expr, max as maxOf, noGrad, norm, stack, tidy, ValueError, zeros, type Tensor } from '@nonlinear/tensor';
import { add, div, fusedUpdate, max, min } from './fused.js';

/**
 * Gradient clipping with PyTorch's semantics (torch.nn.utils.clip_grad_norm_ and
 * clip_grad_value_). Both modify `.grad` in place and skip parameters without a gradient.
 */

function gradsOf(op: string, params: Iterable<Tensor>): { grads: Tensor[]; first: Tensor | null } {
  const list = [...params];
  for (const p of list) p.assertLive(op);
  return { grads: list.flatMap((p) => (p.grad ? [p.grad] : [])), first: list[0] ?? null };
}

/**
 * Scales the gradients so that their total norm (the `normType`-norm of all gradients
 * concatenated) is at most `maxNorm`, by `min(1, maxNorm / (total + 1e-6))` as PyTorch does.
 * Returns the total norm before clipping as a 0-d tensor (no read-back: it stays on the device
 * until you `await norm.item()`); the caller disposes it. `normType` is a number or 'inf'.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType: number | 'inf' = 2): Tensor {
  const { grads, first } = gradsOf('clipGradNorm', params);
  const p = normType === 'inf' || normType === Infinity ? 'inf' : normType;
  if (p !== 'inf' && !(typeof p === 'number' && p > 0)) throw new ValueError(`clipGradNorm: normType must be a positive number or 'inf', got ${String(normType)}`);
  if (!(maxNorm >= 0)) throw new ValueError(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  if (grads.length === 0) return zeros([], { device: first?.backend });
  const dtype = grads.some((g) => g.dtype === 'float64') ? 'float64' : 'float32';
  for (const g of grads) if (g.dtype !== 'float32' && g.dtype !== 'float64') throw new DTypeError(`clipGradNorm: gradients must be float, got ${g.dtype}`);
  return noGrad(() =>
    tidy(() => {
      const norms = grads.map((g) => norm(g, p).astype(dtype));
      const total = norms.length === 1 ? norms[0]! : p === 'inf' ? maxOf(stack(norms)) : norm(stack(norms), p);
      for (const g of grads) {
        fusedUpdate('clipGradNorm', [g], { g, total, maxNorm }, (x) => {
          const one = expr.lit(1, x.g.dtype);
          const coef = min(div(x.maxNorm, add(x.total, expr.lit(1e-6, x.g.dtype))), one);
          return [expr.call('mul', x.g, coef)];
        });
      }
      return total;
    }),
  );
}

/** Clamps every gradient element to [-clipValue, clipValue], in place. */
export function clipGradValue(params: Iterable<Tensor>, clipValue: number): void {
  const { grads } = gradsOf('clipGradValue', params);
  if (!(clipValue >= 0)) throw new ValueError(`clipGradValue: clipValue must be >= 0, got ${clipValue}`);
  noGrad(() => {
    for (const g of grads) {
      fusedUpdate('clipGradValue', [g], { g, lo: -clipValue, hi: clipValue }, (x) => [min(max(x.g, x.lo), x.hi)]);
    }
  });
}
