import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';

/**
 * Grouping tokens by expert. For each expert the routed tokens are ranked by position (a top-k
 * over the token axis of mask * (N - n)), so expert e's slots are the first C routed tokens in
 * order, C the capacity; routed tokens past it are dropped (Switch's policy). One top-k for all
 * experts, all on the device.
 */

/** Expert e's tokens: int32 row indices into the [N, d] tokens, 'all' (every token, in order), or null when it has none. */
export interface Dispatch {
  /** Per expert, the rows it runs on. */
  slots: (Tensor | 'all' | null)[];
  /** [N, E] float 0/1: the routed pairs that got a slot. */
  processed: Tensor;
}

/**
 * The slots of each expert for a routing `mask` [N, E] and a capacity (tokens per expert). With
 * `counts` (the per-expert routed counts, read back from the device) each expert runs on exactly
 * min(count, capacity) rows and an expert with none is skipped; without, every expert runs on
 * `capacity` rows, where the rows past its routed tokens are unrouted ones whose weight is 0.
 * An expert whose count is N gets 'all'.
 */
export function dispatch(mask: Tensor, capacity: number, counts: ArrayLike<number> | null): Dispatch {
  return T.noGrad(() => T.tidy(() => {
    const [n, e] = mask.shape as [number, number];
    const rank = T.arange(n, 0, -1, { dtype: mask.dtype, device: mask.backend }).unsqueeze(1);
    const score = mask.mul(rank);
    const { values, indices } = T.topk(score, capacity, 0);
    const processed = T.scatterAdd(T.zerosLike(mask), 0, indices, T.cast(T.gt(values, 0), mask.dtype));
    const slots: (Tensor | 'all' | null)[] = [];
    for (let i = 0; i < e; i++) {
      const take = counts ? Math.min(counts[i]!, capacity) : capacity;
      // With the counts known, an expert that got every token runs on them as they are (no gather).
      if (counts && take === n) slots.push('all');
      else slots.push(take === 0 ? null : indices.select(1, i).narrow(0, 0, take).contiguous());
    }
    return { slots, processed };
  }));
}
