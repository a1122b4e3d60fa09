import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Gate, type GateBaseOptions, type GateOutput } from './gate.js';

/**
 * The dense softmax gate: weights = softmax(x W_g^T) over the experts; every token goes to every
 * expert. The probabilities of the load-balancing loss are the weights themselves.
 */
export class SoftmaxGate extends Gate {
  /** 'softmax'. */
  readonly kind = 'softmax' as const;

  constructor(inFeatures: number, numExperts: number, options: GateBaseOptions = {}) {
    super(inFeatures, numExperts, options);
  }

  /** E: the gate is dense. */
  expertsPerToken(): number {
    return this.numExperts;
  }

  protected gate(z: Tensor): GateOutput {
    const p = T.softmax(z, -1);
    return { weights: p, mask: T.onesLike(p).detach(), probs: p, logits: z };
  }
}
