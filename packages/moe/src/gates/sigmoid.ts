import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import { Gate, checkPositiveInt, maskAt, type GateBaseOptions, type GateOutput } from './gate.js';

/** Options of {@link SigmoidGate}. */
export interface SigmoidGateOptions extends GateBaseOptions {
  /** Experts per token (default 2). */
  k?: number;
}

/**
 * The sigmoid top-k gate (DeepSeek-V3 style affinities): s = sigmoid(x W_g^T); each token keeps
 * its k largest affinities, normalised over the chosen: weights = s / sum of the chosen s. The
 * router probabilities of the load-balancing loss are s normalised over all E experts
 * (DeepSeek-V3's sequence-wise auxiliary loss); the logits of the z-loss are z.
 */
export class SigmoidGate extends Gate {
  /** 'sigmoid'. */
  readonly kind = 'sigmoid' as const;
  /** Experts per token. */
  readonly k: number;

  constructor(inFeatures: number, numExperts: number, options: SigmoidGateOptions = {}) {
    super(inFeatures, numExperts, options);
    const k = options.k ?? 2;
    checkPositiveInt('SigmoidGate', 'k', k);
    if (k > numExperts) throw new ValueError(`SigmoidGate: k = ${k} is larger than numExperts = ${numExperts}`);
    this.k = k;
  }

  override get label(): string {
    return `SigmoidGate(${this.inFeatures} -> ${this.numExperts}, k=${this.k})`;
  }

  /** k. */
  expertsPerToken(): number {
    return this.k;
  }

  protected gate(z: Tensor): GateOutput {
    const s = T.sigmoid(z);
    const { indices } = T.topk(z.detach(), this.k, -1);
    const mask = maskAt(z, -1, indices);
    const chosen = s.mul(mask);
    return { weights: chosen.div(T.sum(chosen, -1, true)), mask, probs: s.div(T.sum(s, -1, true)), logits: z };
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, k=${this.k}`;
  }
}
