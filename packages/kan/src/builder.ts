import { ValueError } from '@nonlinear/tensor';
import { AFKANLayer, AFKAN_OPTION_KEYS, type AFKANOptions } from './afkan/layer.js';
import type { KANLayer } from './layer.js';
import { MLPLayer, MLP_LAYER_OPTION_KEYS, type MLPLayerOptions } from './mlp/layer.js';
import { AFKANModel, KANModel } from './model.js';
import { checkKeys } from './options.js';
import { ReLUKANLayer, RELU_KAN_OPTION_KEYS, type ReLUKANOptions } from './relukan/layer.js';
import {
  BSRBFKANLayer, ChebyKANLayer, EfficientKANLayer, FastKANLayer, FasterKANLayer, FourierKANLayer, type BSRBFKANOptions, type ChebyKANOptions,
  type EfficientKANOptions, type FastKANOptions, type FasterKANOptions, type FourierKANOptions,
} from './variants/index.js';

/** Options of `buildKAN(widths, 'mlp', options)`: the layers' options and the output's activation. */
export interface MLPOptions extends Omit<MLPLayerOptions, 'activate'> {
  /** Apply the activation after the last layer too (default true, as the reference harness). */
  activateOutput?: boolean;
}

/** The options each variant of {@link buildKAN} takes. */
export interface KANVariantOptions {
  /** AF-KAN. */
  afkan: AFKANOptions;
  /** ReLU-KAN. */
  relukan: ReLUKANOptions;
  /** The MLP baseline. */
  mlp: MLPOptions;
  /** EfficientKAN (B-splines). */
  efficientkan: EfficientKANOptions;
  /** FastKAN (Gaussian RBFs). */
  fastkan: FastKANOptions;
  /** FasterKAN (RSWAF bumps). */
  fasterkan: FasterKANOptions;
  /** ChebyKAN (Chebyshev polynomials). */
  chebykan: ChebyKANOptions;
  /** FourierKAN. */
  fourierkan: FourierKANOptions;
  /** BSRBF-KAN (B-splines plus Gaussian RBFs). */
  bsrbfkan: BSRBFKANOptions;
}

/** A variant name {@link buildKAN} knows. */
export type KANVariant = keyof KANVariantOptions;

interface VariantEntry {
  /** The option names the variant accepts (absent: its layer's constructor checks them). */
  keys?: readonly string[];
  build(widths: readonly number[], options: object): KANModel;
}

/** A stack of `new Layer(in, out, options)` for each consecutive pair of widths. */
function layerwise(variant: string, make: (i: number, o: number, options: object, index: number) => KANLayer) {
  return (widths: readonly number[], options: object): KANModel => {
    const layers: KANLayer[] = [];
    try {
      for (let i = 0; i + 1 < widths.length; i++) layers.push(make(widths[i]!, widths[i + 1]!, options, i));
    } catch (e) {
      layers.forEach((l) => l.dispose());
      throw e;
    }
    return new KANModel(widths, variant, layers);
  };
}

// Adding a variant is one line here (and its options in KANVariantOptions).
const VARIANTS: { [V in KANVariant]: VariantEntry } = {
  afkan: {
    keys: AFKAN_OPTION_KEYS,
    build: (widths, o) => {
      const layers = layerwise('afkan', (i, out, opts) => new AFKANLayer(i, out, opts))(widths, o).layers;
      return new AFKANModel(widths, layers as AFKANLayer[]);
    },
  },
  relukan: { keys: RELU_KAN_OPTION_KEYS, build: layerwise('relukan', (i, o, opts) => new ReLUKANLayer(i, o, opts)) },
  mlp: {
    keys: [...MLP_LAYER_OPTION_KEYS.filter((k) => k !== 'activate'), 'activateOutput'],
    build: (widths, o) => {
      const { activateOutput = true, ...layerOpts } = o as MLPOptions;
      const last = widths.length - 2;
      return layerwise('mlp', (i, out, _o, index) => new MLPLayer(i, out, { ...layerOpts, activate: activateOutput || index !== last }))(widths, o);
    },
  },
  efficientkan: { build: layerwise('efficientkan', (i, o, opts) => new EfficientKANLayer(i, o, opts)) },
  fastkan: { build: layerwise('fastkan', (i, o, opts) => new FastKANLayer(i, o, opts)) },
  fasterkan: { build: layerwise('fasterkan', (i, o, opts) => new FasterKANLayer(i, o, opts)) },
  chebykan: { build: layerwise('chebykan', (i, o, opts) => new ChebyKANLayer(i, o, opts)) },
  fourierkan: { build: layerwise('fourierkan', (i, o, opts) => new FourierKANLayer(i, o, opts)) },
  bsrbfkan: { build: layerwise('bsrbfkan', (i, o, opts) => new BSRBFKANLayer(i, o, opts)) },
};

/** The variant names {@link buildKAN} knows. */
export function kanVariants(): KANVariant[] {
  return Object.keys(VARIANTS) as KANVariant[];
}

/**
 * Builds a model from a width list and a variant: `buildKAN([784, 64, 10], 'afkan',
 * { functionType: 'quad1' })`. An unknown variant, an unknown option or an invalid value raises
 * a ValueError that lists what is allowed.
 */
export function buildKAN<V extends KANVariant>(widths: readonly number[], variant: V, options?: KANVariantOptions[V]): KANModel {
  const entry = typeof variant === 'string' && Object.hasOwn(VARIANTS, variant) ? VARIANTS[variant] : undefined;
  if (!entry) throw new ValueError(`buildKAN: unknown variant ${JSON.stringify(variant)} (allowed: ${kanVariants().join(', ')})`);
  if (!Array.isArray(widths) || widths.length < 2 || !widths.every((w) => Number.isInteger(w) && w > 0)) {
    throw new ValueError(`buildKAN: widths must be at least two positive integers ([in, ..., out]), got ${JSON.stringify(widths)}`);
  }
  if (entry.keys) checkKeys(`buildKAN(${variant})`, options, entry.keys);
  return entry.build(widths, options ?? {});
}
