import { ValueError, type Backend } from '@nonlinear/tensor';
import { Linear, Sequential, type UnaryModule } from '@nonlinear/nn';
import { activation, type ActivationKind } from '@nonlinear/activations';
import { buildKAN, type KANVariant, type KANVariantOptions } from '@nonlinear/kan';

/**
 * Model families for approximation-rate sweeps: a family is a small factory that builds a model
 * R^d -> R of a given size, so any architecture (an MLP with some activation, a KAN) enters a
 * sweep the same way.
 */

/** What a factory needs besides the size. */
export interface FamilyContext {
  /** The input dimension d. */
  inFeatures: number;
  /** Backend of the parameters. */
  device?: string | Backend;
  /** dtype of the parameters (default float32). */
  dtype?: 'float32' | 'float64';
}

/** Builds a model of the given size (a width, for the families here) mapping [N, d] to [N, 1]. */
export type ModelFactory = (size: number, ctx: FamilyContext) => UnaryModule;

/** A named model family of a sweep. */
export interface ModelFamily {
  /** A short stable name (used in cell ids and seeds), e.g. `mlp-relu`. */
  name: string;
  /** What a size means for this family, for reports. */
  description: string;
  /** The factory. */
  build: ModelFactory;
}

/** Options of {@link mlpFamily}. */
export interface MLPFamilyOptions {
  /** Hidden layers (default 2). */
  depth?: number;
  /** The order r of PolyReLU / PolyNorm (default 3). */
  order?: number;
  /** A name other than `mlp-<kind>`. */
  name?: string;
}

/**
 * Multilayer perceptrons `d -> w -> ... -> w -> 1` (`depth` hidden layers of width w = size) with
 * one activation module per hidden layer, built by name by @nonlinear/activations' `activation`
 * (so PolyReLU and PolyNorm layers have their own trainable coefficients). PolyNorm normalises
 * over the hidden width.
 */
export function mlpFamily(kind: ActivationKind, options: MLPFamilyOptions = {}): ModelFamily {
  const depth = options.depth ?? 2;
  if (!Number.isInteger(depth) || depth < 1) throw new ValueError(`mlpFamily: depth must be a positive integer, got ${depth}`);
  const name = options.name ?? `mlp-${kind}`;
  return {
    name,
    description: `MLP with ${depth} hidden layer${depth > 1 ? 's' : ''} of width = size, ${kind} activations`,
    build(size, ctx) {
      if (!Number.isInteger(size) || size < 1) throw new ValueError(`${name}: size (the hidden width) must be a positive integer, got ${size}`);
      const lin = { device: ctx.device, dtype: ctx.dtype };
      const net = new Sequential();
      try {
        let inF = ctx.inFeatures;
        for (let l = 0; l < depth; l++) {
          net.append(new Linear(inF, size, lin));
          net.append(activation(kind, { order: options.order, device: ctx.device, dtype: ctx.dtype }));
          inF = size;
        }
        net.append(new Linear(inF, 1, lin));
      } catch (e) {
        net.dispose();
        throw e;
      }
      return net;
    },
  };
}

/** Options of {@link kanFamily}. */
export interface KANFamilyOptions<V extends KANVariant> {
  /** Hidden KAN layers of width = size (default 1: widths [d, size, 1]). */
  depth?: number;
  /** The variant's options (device and dtype come from the sweep). */
  options?: Omit<KANVariantOptions[V], 'device' | 'dtype'>;
  /** A name other than `kan-<variant>`. */
  name?: string;
}

/**
 * KANs from @nonlinear/kan's `buildKAN` with widths `[d, size, ..., size, 1]`. For AF-KAN on
 * low-dimensional inputs pass `options: { norm: 'none' }`: its default LayerNorm over the D input
 * features of a layer maps a single feature (d = 1) to 0 and two features to +-1, erasing the input.
 */
export function kanFamily<V extends KANVariant>(variant: V, options: KANFamilyOptions<V> = {}): ModelFamily {
  const depth = options.depth ?? 1;
  if (!Number.isInteger(depth) || depth < 1) throw new ValueError(`kanFamily: depth must be a positive integer, got ${depth}`);
  const name = options.name ?? `kan-${variant}`;
  return {
    name,
    description: `${variant} KAN with widths [d, ${Array.from({ length: depth }, () => 'size').join(', ')}, 1]`,
    build(size, ctx) {
      if (!Number.isInteger(size) || size < 1) throw new ValueError(`${name}: size (the hidden width) must be a positive integer, got ${size}`);
      const widths = [ctx.inFeatures, ...Array.from({ length: depth }, () => size), 1];
      return buildKAN(widths, variant, { ...options.options, device: ctx.device, dtype: ctx.dtype } as KANVariantOptions[V]);
    },
  };
}
