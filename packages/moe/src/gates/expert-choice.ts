import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Gate, checkPositive, maskAt, type GateBaseOptions, type GateOutput } from './gate.js';

/** Options of {@link ExpertChoiceGate}. */
export interface ExpertChoiceGateOptions extends GateBaseOptions {
  /** Capacity factor c: each expert takes ceil(N c / E) of the N tokens (default 1). */
  capacityFactor?: number;
}

/**
 * Expert-choice routing (Zhou et al., 2022): P = softmax(x W_g^T) over the experts, then each
 * expert picks the `capacity(N)` tokens with the largest P[:, e]; weights = P at the picked
 * pairs. A token may be picked by several experts or by none. probs = P; logits = z.
 */
export class ExpertChoiceGate extends Gate {
  /** 'expert_choice'. */
  readonly kind = 'expert_choice' as const;
  /** The capacity factor. */
  readonly capacityFactor: number;

  constructor(inFeatures: number, numExperts: number, options: ExpertChoiceGateOptions = {}) {
    super(inFeatures, numExperts, options);
    const c = options.capacityFactor ?? 1;
    checkPositive('ExpertChoiceGate', 'capacityFactor', c);
    this.capacityFactor = c;
  }

  /** Tokens each expert takes out of N: ceil(N capacityFactor / E), at most N. */
  capacity(numTokens: number): number {
    return Math.min(numTokens, Math.ceil((numTokens * this.capacityFactor) / this.numExperts));
  }

  /** capacity(N) E / N. */
  expertsPerToken(numTokens: number): number {
    return numTokens === 0 ? 0 : (this.capacity(numTokens) * this.numExperts) / numTokens;
  }

  protected gate(z: Tensor): GateOutput {
    const p = T.softmax(z, -1);
    const { indices } = T.topk(p.detach(), this.capacity(z.shape[0]!), 0);
    const mask = maskAt(p, 0, indices);
    return { weights: p.mul(mask), mask, probs: p, logits: z };
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, capacityFactor=${this.capacityFactor}`;
  }
}
