import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Module, ModuleList } from '@nonlinear/nn';
import type { AFKANLayer } from './afkan/layer.js';
import { combineFlops, combineOutputs, type AFKANCombine } from './afkan/combine.js';
import type { AFKANReduction } from './afkan/reductions.js';
import type { KANLayer } from './layer.js';

/**
 * A stack of KAN layers (or MLP baseline layers) from a width list, as {@link buildKAN} makes
 * it: forward runs the layers in order; the counts are the layers' sums. The layers are
 * registered as `layers.0`, `layers.1`, ...
 */
export class KANModel extends Module {
  /** The widths [in, hidden..., out]. */
  readonly widths: readonly number[];
  /** The variant name the model was built as. */
  readonly variant: string;
  /** The layers, in order. */
  readonly layers: readonly KANLayer[];

  constructor(widths: readonly number[], variant: string, layers: readonly KANLayer[]) {
    super();
    this.widths = Object.freeze([...widths]);
    this.variant = variant;
    this.layers = Object.freeze([...layers]);
    this.registerModule('layers', new ModuleList(layers as unknown as Module[]));
  }

  /** (..., widths[0]) -> (..., widths[last]). */
  forward(x: Tensor): Tensor {
    return T.tidy(() => this.layers.reduce((h, layer) => layer.forward(h), x));
  }

  /** The parameters forward reads, summed over the layers. */
  usedParameterCount(): number {
    return this.layers.reduce((s, l) => s + l.usedParameterCount(), 0);
  }

  /** Analytic forward FLOPs for one sample, summed over the layers. */
  flops(): number {
    return this.layers.reduce((s, l) => s + l.flops(), 0);
  }

  override extraRepr(): string {
    return `variant=${this.variant}, widths=[${this.widths.join(', ')}]`;
  }
}

/**
 * An AF-KAN model. With one reduction method it is the plain stack; with several, as the
 * reference's model, each method's path runs through all layers (sharing their grids, norms and
 * output maps) and the paths' outputs are combined at the end by `combine`.
 */
export class AFKANModel extends KANModel {
  /** The reduction methods, one path each. */
  readonly methods: readonly AFKANReduction[];
  /** How the paths' outputs combine. */
  readonly combine: AFKANCombine;

  constructor(widths: readonly number[], layers: readonly AFKANLayer[]) {
    super(widths, 'afkan', layers);
    this.methods = layers[0]!.methods;
    this.combine = layers[0]!.combine;
  }

  private get afLayers(): readonly AFKANLayer[] {
    return this.layers as readonly AFKANLayer[];
  }

  /** (..., widths[0]) -> (..., widths[last]): each method's path, combined. */
  override forward(x: Tensor): Tensor {
    if (this.methods.length === 1) return super.forward(x);
    return T.tidy(() => {
      const outs = this.methods.map((m) => this.afLayers.reduce((h, layer) => layer.forwardMethod(h, m), x));
      return combineOutputs(outs, this.combine);
    });
  }

  /** Analytic forward FLOPs for one sample: every path through every layer, and the combination. */
  override flops(): number {
    const paths = this.afLayers.reduce((s, l) => s + this.methods.reduce((t, m) => t + l.methodFlops(m), 0), 0);
    return paths + combineFlops(this.methods.length, this.widths[this.widths.length - 1]!, this.combine);
  }
}
