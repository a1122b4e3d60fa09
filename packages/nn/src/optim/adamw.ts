import { Adam, type AdamHyper, type AdamOptions } from './adam.js';
import type { Params } from './optimizer.js';

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay. Before the Adam update each
 * parameter is scaled by 1 - lr * weightDecay instead of adding weightDecay * p to the gradient.
 * weightDecay defaults to 1e-2, as in PyTorch. Put biases and norm gains in a group with
 * `weightDecay: 0` to exempt them.
 */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Params<AdamHyper>, options: AdamOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 1e-2 });
  }
}
