import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Module, kaimingUniform_, type LayerOptions } from '@nonlinear/nn';
import { activation as makeActivation, activationKinds, type ActivationKind, type ActivationModule, type ActivationOptions } from '@nonlinear/activations';
import { checkLayerInput } from '../checks.js';
import { matmulFlops } from '../flops.js';
import type { KANLayer } from '../layer.js';
import { applyNorm, makeNorm, normFlops, type FeatureNorm } from '../norm.js';
import { checkChoice, checkKeys, checkInt, PLACEMENT_KEYS } from '../options.js';

/** Options of {@link MLPLayer} (and of `buildKAN(widths, 'mlp', options)`). */
export interface MLPLayerOptions extends LayerOptions {
  /** Any activation of the activations registry (default 'silu', the reference's). */
  activation?: ActivationKind;
  /** Options of that activation (PolyReLU's order, PolyNorm's eps...). */
  activationOptions?: ActivationOptions;
  /** LayerNorm on the layer's input (default 'layer', as the reference) or none. */
  norm?: 'layer' | 'none';
  /** Apply the activation after the map (default true; the builder turns it off for the last layer unless `activateOutput`). */
  activate?: boolean;
}

/** The option names {@link MLPLayer} accepts. */
export const MLP_LAYER_OPTION_KEYS: readonly string[] = Object.freeze(['activation', 'activationOptions', 'norm', 'activate', ...PLACEMENT_KEYS]);

/** Analytic FLOPs per value of the registry's activations (polynomial ones by their order r). */
export function activationFlops(name: ActivationKind, options: ActivationOptions = {}): number {
  const r = options.order ?? 3;
  const table: Record<string, number> = {
    relu: 1, relu2: 2, gelu: 5, gelu_tanh: 8, silu: 4, leaky_relu: 2, elu: 3, selu: 4, softplus: 3, sigmoid: 3, tanh: 1,
    // relu, r - 1 power products, r multiply-adds and the bias.
    polyrelu: 3 * r,
    // Per power: the product, its RMS normalisation (square-sum 2, scale 1) and a multiply-add.
    polynorm: 6 * r + 1,
    polycom: 6 * r + 1,
  };
  return table[name] ?? 1;
}

/**
 * The MLP baseline's layer, as the reference harness builds it: A(W LayerNorm(x)), W (O, D) =
 * `baseWeight` without bias, A any activation of the registry (PolyReLU and PolyNorm included,
 * their coefficients registered and trained). For 784-64-10 the parameters are
 * 2 784 + 784 64 + 2 64 + 64 10 = 52,512.
 */
export class MLPLayer extends Module implements KANLayer {
  /** D. */
  readonly inFeatures: number;
  /** O. */
  readonly outFeatures: number;
  /** The activation's registry name. */
  readonly activationName: ActivationKind;
  /** Whether the activation is applied. */
  readonly activate: boolean;
  /** LayerNorm(D), or null. */
  norm: FeatureNorm | null;
  /** W (O, D). */
  baseWeight: Tensor;
  /** A, registered (its coefficients, if any, are parameters); null when not applied. */
  activation: ActivationModule | null = null;
  private readonly activationOptions: ActivationOptions;

  constructor(inFeatures: number, outFeatures: number, options: MLPLayerOptions = {}) {
    super();
    const op = 'MLPLayer';
    checkKeys(op, options, MLP_LAYER_OPTION_KEYS);
    this.inFeatures = checkInt(op, 'inFeatures', inFeatures);
    this.outFeatures = checkInt(op, 'outFeatures', outFeatures);
    this.activationName = checkChoice(op, 'activation', options.activation ?? 'silu', activationKinds());
    this.activationOptions = options.activationOptions ?? {};
    this.activate = options.activate ?? true;
    const opts = { device: options.device, dtype: options.dtype };
    this.norm = makeNorm(checkChoice(op, 'norm', options.norm ?? 'layer', ['layer', 'none'] as const), inFeatures, opts);
    if (this.norm) this.registerModule('norm', this.norm);
    this.baseWeight = this.registerParameter('baseWeight', kaimingUniform_(T.zeros([outFeatures, inFeatures], opts), { a: Math.sqrt(5) }));
    if (this.activate) this.activation = this.registerModule('activation', makeActivation(this.activationName, { ...opts, ...this.activationOptions }));
  }

  /** (..., D) -> (..., O). */
  forward(x: Tensor): Tensor {
    checkLayerInput(`MLPLayer(${this.inFeatures} -> ${this.outFeatures})`, x, this.baseWeight, this.inFeatures);
    return T.tidy(() => {
      const y = T.matmul(applyNorm(this.norm, 'layer', x), this.baseWeight.mT);
      return this.activation ? this.activation.forward(y) : y;
    });
  }

  /** Every registered parameter is read by forward. */
  usedParameterCount(): number {
    return this.numParameters();
  }

  /** Analytic forward FLOPs for one sample: the norm, the map and the activation. */
  flops(): number {
    const act = this.activate ? this.outFeatures * activationFlops(this.activationName, this.activationOptions) : 0;
    return normFlops(this.norm ? 'layer' : 'none', this.inFeatures) + matmulFlops(this.inFeatures, this.outFeatures) + act;
  }

  override extraRepr(): string {
    return `${this.inFeatures} -> ${this.outFeatures}, activation=${this.activate ? this.activationName : 'none'}, norm=${this.norm ? 'layer' : 'none'}`;
  }
}
