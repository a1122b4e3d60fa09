import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import { Gate, checkPositiveInt, maskAt, type GateBaseOptions, type GateOutput } from './gate.js';

/** Options of {@link TopKGate}. */
export interface TopKGateOptions extends GateBaseOptions {
  /** Experts per token (default 2). */
  k?: number;
  /**
   * Shazeer's noisy gating (default false): H = x W_g^T + eps * softplus(x W_noise^T), eps ~ N(0, 1)
   * in training mode (none in eval mode), with a learned `noiseWeight` initialised to zero.
   */
  noisy?: boolean;
  /**
   * true (default, Shazeer and Mixtral): the weights are the softmax over the k selected scores,
   * so they sum to 1; false (OLMoE): the softmax over all E scores, kept at the k selected.
   */
  renormalize?: boolean;
}

/**
 * The top-k gate (Shazeer et al., 2017): each token keeps the k largest of H = x W_g^T (plus
 * noise when `noisy`). The router probabilities of the load-balancing loss are softmax(H) over
 * all experts; the logits of the z-loss are H.
 */
export class TopKGate extends Gate {
  /** 'topk'. */
  readonly kind = 'topk' as const;
  /** Experts per token. */
  readonly k: number;
  /** Whether the weights are renormalised over the k selected. */
  readonly renormalize: boolean;
  /** W_noise [numExperts, inFeatures] of the noisy gate (zeros at init), or null. */
  noiseWeight: Tensor | null = null;

  constructor(inFeatures: number, numExperts: number, options: TopKGateOptions = {}) {
    super(inFeatures, numExperts, options);
    const k = options.k ?? 2;
    checkPositiveInt('TopKGate', 'k', k);
    if (k > numExperts) throw new ValueError(`TopKGate: k = ${k} is larger than numExperts = ${numExperts}`);
    this.k = k;
    this.renormalize = options.renormalize ?? true;
    if (options.noisy) this.noiseWeight = this.registerParameter('noiseWeight', T.zeros([numExperts, inFeatures], { device: options.device, dtype: options.dtype }));
  }

  override get label(): string {
    return `TopKGate(${this.inFeatures} -> ${this.numExperts}, k=${this.k})`;
  }

  /** k. */
  expertsPerToken(): number {
    return this.k;
  }

  protected override get acceptsNoise(): boolean {
    return this.noiseWeight !== null;
  }

  protected gate(z: Tensor, x: Tensor, noise: Tensor | undefined): GateOutput {
    let h = z;
    if (this.noiseWeight) {
      const eps = noise ?? (this.training ? T.randn(z.shape, { dtype: z.dtype, device: z.backend }) : null);
      if (eps) h = z.add(eps.mul(T.softplus(T.matmul(x, this.noiseWeight.mT))));
    }
    const { indices } = T.topk(h.detach(), this.k, -1);
    const mask = maskAt(h, -1, indices);
    const probs = T.softmax(h, -1);
    const weights = this.renormalize ? T.softmax(T.maskedFill(h, T.eq(mask, 0), -Infinity), -1) : probs.mul(mask);
    return { weights, mask, probs, logits: h };
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, k=${this.k}, noisy=${this.noiseWeight !== null}, renormalize=${this.renormalize}`;
  }
}
