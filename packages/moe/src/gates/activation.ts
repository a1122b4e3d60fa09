import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import { ActivationModule, activation, type ActivationKind } from '@nonlinear/activations';
import { Gate, checkPositive, checkThreshold, thresholdMask, type GateBaseOptions, type GateOutput } from './gate.js';

/**
 * Where the activation gate's bias b sits (reconstructed; the paper's full text was not
 * available): 'outside' (default, the spec's formula) softmax((sigma(x W_g^T) + b) / tau);
 * 'inside' softmax(sigma(x W_g^T + b) / tau).
 */
export type BiasPlacement = 'outside' | 'inside';

/** Options of {@link ActivationGate}. */
export interface ActivationGateOptions extends GateBaseOptions {
  /**
   * The elementwise activation sigma, by its name in the activations registry (`tanh`,
   * `sigmoid`, `gelu`, ...; default 'tanh') or as a module. Not the identity: with sigma linear
   * the gate is the temperature gate.
   */
  activation?: ActivationKind | ActivationModule | string;
  /** Where the bias sits (default 'outside'); see {@link BiasPlacement}. */
  biasPlacement?: BiasPlacement;
  /** The temperature tau (> 0; default 1). */
  tau?: number;
  /** Experts whose weight is below this are skipped (default 0.001; each token's largest kept). */
  threshold?: number;
}

/**
 * The activation dense-to-sparse gate (Nguyen, Akbarian, Ho, ICML 2024; spec moe.md):
 * p = softmax((sigma(x W_g^T) + b) / tau) with an elementwise nonlinear sigma, a learned bias
 * `bias` [E] (zeros at init) and a temperature; as for {@link TemperatureGate}, pairs with p
 * below `threshold` are skipped and tau can be annealed. probs = p; logits = the softmax input.
 */
export class ActivationGate extends Gate {
  /** 'activation'. */
  readonly kind = 'activation' as const;
  /** sigma, a registered submodule (`act`), so an activation with coefficients trains. */
  readonly act: ActivationModule;
  /** b [numExperts]. */
  bias: Tensor;
  /** Where the bias sits. */
  readonly biasPlacement: BiasPlacement;
  /** The weight threshold. */
  readonly threshold: number;
  private tauValue = 1;

  constructor(inFeatures: number, numExperts: number, options: ActivationGateOptions = {}) {
    super(inFeatures, numExperts, options);
    try {
      const a = options.activation ?? 'tanh';
      if (a === 'identity' || a === 'linear') throw new ValueError(`ActivationGate: the activation must be nonlinear (with sigma linear this is the temperature gate), got '${a}'`);
      this.act = this.registerModule('act', a instanceof ActivationModule ? a : activation(a as ActivationKind, { device: options.device, dtype: options.dtype }));
      this.bias = this.registerParameter('bias', T.zeros([numExperts], { device: options.device, dtype: options.dtype }), { noDecay: true });
      const placement = options.biasPlacement ?? 'outside';
      if (placement !== 'outside' && placement !== 'inside') throw new ValueError(`ActivationGate: biasPlacement must be 'outside' or 'inside', got '${String(placement)}'`);
      this.biasPlacement = placement;
      const threshold = options.threshold ?? 0.001;
      checkThreshold('ActivationGate', threshold);
      this.threshold = threshold;
      this.tau = options.tau ?? 1;
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  override get label(): string {
    return `ActivationGate(${this.inFeatures} -> ${this.numExperts}, ${this.act.moduleName})`;
  }

  /** The temperature tau (> 0), read at every route(). */
  get tau(): number {
    return this.tauValue;
  }

  /** Sets tau; throws a ValueError unless it is a finite number > 0. */
  set tau(v: number) {
    checkPositive('ActivationGate', 'tau', v);
    this.tauValue = v;
  }

  /** E: at a high temperature every expert may pass the threshold. */
  expertsPerToken(): number {
    return this.numExperts;
  }

  protected gate(z: Tensor): GateOutput {
    const s = this.biasPlacement === 'inside' ? this.act.forward(z.add(this.bias)) : this.act.forward(z).add(this.bias);
    const logits = s.div(this.tauValue);
    const p = T.softmax(logits, -1);
    const mask = thresholdMask(p, this.threshold);
    return { weights: p.mul(mask), mask, probs: p, logits };
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, activation=${this.act.moduleName}, biasPlacement='${this.biasPlacement}', tau=${this.tauValue}, threshold=${this.threshold}`;
  }
}
