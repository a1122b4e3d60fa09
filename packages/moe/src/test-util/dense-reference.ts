import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import type { MoELayer } from '../layer/moe-layer.js';

/**
 * The MoE layer the slow way, for tests: every expert on every token, combined with the gate's
 * weights times `keep` ([N, E] 0/1, default all ones: which routed pairs the layer is expected to
 * compute). Nothing is grouped, gathered or scattered.
 */
export function denseMoE(layer: MoELayer, x: Tensor, keep?: Tensor): Tensor {
  return T.tidy(() => {
    const flat = x.reshape([-1, layer.dim]);
    const { weights } = layer.gate.route(flat);
    const w = keep ? weights.mul(keep) : weights;
    let out: Tensor | null = null;
    for (let e = 0; e < layer.numExperts; e++) {
      const y = layer.experts.at(e).forward(flat).mul(w.narrow(1, e, 1));
      out = out ? out.add(y) : y;
    }
    return out!.reshape(x.shape);
  });
}
