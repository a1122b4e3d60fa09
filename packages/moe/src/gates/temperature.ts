import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Gate, checkPositive, checkThreshold, thresholdMask, type GateBaseOptions, type GateOutput } from './gate.js';

/** Options of {@link TemperatureGate}. */
export interface TemperatureGateOptions extends GateBaseOptions {
  /** The temperature tau (> 0; default 1). Anneal it by setting {@link TemperatureGate.tau}. */
  tau?: number;
  /**
   * Experts whose weight is below this are skipped (EvoMoE: 0.001, the default); each token's
   * largest weight is always kept. 0 keeps the gate dense.
   */
  threshold?: number;
  /**
   * EvoMoE's Gumbel-softmax (default false): softmax((z + g) / tau) with g ~ Gumbel(0, 1) in
   * training mode (none in eval mode).
   */
  gumbel?: boolean;
}

/** Gumbel(0, 1) samples -log(-log u), u ~ U(0, 1) kept away from 0 and 1. */
export function gumbelNoise(shape: readonly number[], like: Tensor): Tensor {
  return T.tidy(() => {
    const u = T.clamp(T.rand(shape, { dtype: like.dtype, device: like.backend }), 1e-6, 1 - 1e-6);
    return T.neg(T.log(T.neg(T.log(u))));
  });
}

/**
 * The temperature dense-to-sparse gate (EvoMoE; spec moe.md): p = softmax(z / tau) with
 * z = x W_g^T; pairs with p below `threshold` are skipped (weight 0), so as tau is annealed down
 * the layer goes from dense to sparse. The weights are p at the kept pairs, not renormalised.
 * probs = p; logits = z / tau (with the Gumbel noise when drawn).
 */
export class TemperatureGate extends Gate {
  /** 'temperature'. */
  readonly kind = 'temperature' as const;
  /** The weight threshold. */
  readonly threshold: number;
  /** Whether Gumbel noise is added in training mode. */
  readonly gumbel: boolean;
  private tauValue = 1;

  constructor(inFeatures: number, numExperts: number, options: TemperatureGateOptions = {}) {
    super(inFeatures, numExperts, options);
    this.tau = options.tau ?? 1;
    const threshold = options.threshold ?? 0.001;
    checkThreshold('TemperatureGate', threshold);
    this.threshold = threshold;
    this.gumbel = options.gumbel ?? false;
  }

  /** The temperature tau (> 0), read at every route(). */
  get tau(): number {
    return this.tauValue;
  }

  /** Sets tau; throws a ValueError unless it is a finite number > 0. */
  set tau(v: number) {
    checkPositive('TemperatureGate', 'tau', v);
    this.tauValue = v;
  }

  /** E: at a high temperature every expert may pass the threshold. */
  expertsPerToken(): number {
    return this.numExperts;
  }

  protected override get acceptsNoise(): boolean {
    return this.gumbel;
  }

  protected gate(z: Tensor, _x: Tensor, noise: Tensor | undefined): GateOutput {
    const g = this.gumbel ? (noise ?? (this.training ? gumbelNoise(z.shape, z) : null)) : null;
    const logits = (g ? z.add(g) : z).div(this.tauValue);
    const p = T.softmax(logits, -1);
    const mask = thresholdMask(p, this.threshold);
    return { weights: p.mul(mask), mask, probs: p, logits };
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, tau=${this.tauValue}, threshold=${this.threshold}, gumbel=${this.gumbel}`;
  }
}
