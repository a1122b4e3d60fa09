import * as T from '@nonlinear/tensor';
import { DTypeError, ShapeError, Tensor, ValueError, isFloat } from '@nonlinear/tensor';

/** The auxiliary losses of MoE routers (Switch Transformer, ST-MoE), each with its weight. */

function checkRouting(op: string, t: unknown, what: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  t.assertLive(op);
  if (!isFloat(t.dtype)) throw new DTypeError(`${op}: ${what} must be float32 or float64, got ${t.dtype}`);
  if (t.ndim !== 2) throw new ShapeError(`${op}: ${what} must be [N, E], got [${t.shape.join(', ')}]`);
}

function checkWeight(op: string, w: unknown): asserts w is number {
  if (typeof w !== 'number' || !(w >= 0) || !Number.isFinite(w)) throw new ValueError(`${op}: weight must be a finite number >= 0, got ${String(w)}`);
}

/**
 * Switch's load-balancing loss `alpha * E * sum_i f_i P_i`: f_i the fraction of the N tokens
 * routed to expert i (a count from `mask`, not differentiated; with top-k routing the f_i sum to
 * k, as in Mixtral's and OLMoE's code), P_i the mean router probability of expert i. Minimal
 * (alpha, with top-1) when both are uniform. `probs` and `mask` are [N, E]; alpha defaults to
 * 0.01.
 */
export function loadBalancingLoss(probs: Tensor, mask: Tensor, alpha = 0.01): Tensor {
  const op = 'loadBalancingLoss';
  checkRouting(op, probs, 'probs');
  checkRouting(op, mask, 'mask');
  checkWeight(op, alpha);
  if (probs.shape.join() !== mask.shape.join()) throw new ShapeError(`${op}: probs [${probs.shape.join(', ')}] and mask [${mask.shape.join(', ')}] differ`);
  if (probs.shape[0] === 0) throw new ValueError(`${op}: no tokens (probs is [0, ${probs.shape[1]}])`);
  const e = probs.shape[1]!;
  return T.tidy(() => {
    const f = T.mean(mask.detach(), 0);
    const p = T.mean(probs, 0);
    return T.sum(f.mul(p)).mul(alpha * e);
  });
}

/**
 * ST-MoE's router z-loss `weight * mean over tokens of (logsumexp_e z)^2`, which keeps the
 * router logits small; `logits` is [N, E], weight defaults to 0.001.
 */
export function routerZLoss(logits: Tensor, weight = 0.001): Tensor {
  const op = 'routerZLoss';
  checkRouting(op, logits, 'logits');
  checkWeight(op, weight);
  if (logits.shape[0] === 0) throw new ValueError(`${op}: no tokens (logits is [0, ${logits.shape[1]}])`);
  return T.tidy(() => T.mean(T.square(T.logsumexp(logits, -1))).mul(weight));
}
