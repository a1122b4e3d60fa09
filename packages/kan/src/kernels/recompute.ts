import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';

/**
 * The gradients of <f(), g> with respect to those of `inputs` that require grad (null for the
 * others), by differentiating a recomputation of f with public ops: how a fused kernel hands its
 * second derivatives (createGraph) to the composition it was fused from.
 */
export function recomputeGrads(f: () => Tensor, inputs: readonly Tensor[], g: Tensor): (Tensor | null)[] {
  const wanted = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const createGraph = T.isGradEnabled();
  return T.tidy(() => {
    const y = T.enableGrad(f);
    const gs = T.gradients([y], wanted.map((i) => inputs[i]!), [g], { createGraph, allowUnused: true });
    return inputs.map((_, i) => (wanted.includes(i) ? gs[wanted.indexOf(i)] ?? null : null));
  });
}
