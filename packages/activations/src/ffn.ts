import * as T from '@nonlinear/tensor';
import { ShapeError, ValueError, type Tensor } from '@nonlinear/tensor';
import { Linear, Module, type LayerOptions } from '@nonlinear/nn';
import { ActivationModule } from './module.js';
import { activation, type ActivationKind, type ActivationOptions } from './registry.js';

/**
 * The transformer feed-forward blocks of the PolyCom paper: a two-matrix MLP around any
 * activation module (ReLU, GELU, ReLU^2, PolyReLU, PolyNorm...) and the three-matrix SwiGLU,
 * with the paper's parameter matching: SwiGLU with hidden width h against the others with
 * 3h/2 (dense 1B: 5504 against 8256), so both have 3 * dim * h weights.
 */

/** Options of {@link FeedForward} and {@link SwiGLU}. */
export interface FeedForwardOptions extends LayerOptions {
  /** Output width (default: the input width, as in a transformer block). */
  outFeatures?: number;
  /** Biases on the matrices (default false: the paper's models have no linear biases). */
  bias?: boolean;
}

/** Options of {@link FeedForward}. */
export interface MLPBlockOptions extends FeedForwardOptions {
  /** The activation: a module (registered as `act`, so its coefficients train) or a name (default 'gelu'). */
  activation?: ActivationModule | ActivationKind;
  /** Options for an activation given by name (order, eps, coefficients, fused...). */
  activationOptions?: Omit<ActivationOptions, 'device' | 'dtype'>;
}

function checkInput(layer: string, x: Tensor, features: number): void {
  if (!(x instanceof T.Tensor)) throw new ValueError(`${layer}: input must be a Tensor`);
  x.assertLive(layer);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== features) throw new ShapeError(`${layer}: expected input of shape [..., ${features}], got [${x.shape.join(', ')}]`);
}

/**
 * fc2(act(fc1(x))): inFeatures -> hidden -> outFeatures with an activation module in between.
 * Unlike nn's MLP, which takes a function, the activation is a registered submodule (`act`), so
 * the learnable coefficients of PolyReLU / PolyNorm are trained, decayed by their tags and
 * saved: names `fc1.weight`, `act.weight`, `act.bias`, `fc2.weight`.
 */
export class FeedForward extends Module {
  /** inFeatures -> hidden. */
  readonly fc1: Linear;
  /** The activation between the matrices. */
  readonly act: ActivationModule;
  /** hidden -> outFeatures. */
  readonly fc2: Linear;

  constructor(inFeatures: number, hidden: number, options: MLPBlockOptions = {}) {
    super();
    const place = { device: options.device, dtype: options.dtype };
    const lin = { ...place, bias: options.bias ?? false };
    const act = options.activation ?? 'gelu';
    try {
      this.fc1 = this.registerModule('fc1', new Linear(inFeatures, hidden, lin));
      this.act = this.registerModule('act', act instanceof ActivationModule ? act : activation(act, { ...options.activationOptions, ...place }));
      this.fc2 = this.registerModule('fc2', new Linear(hidden, options.outFeatures ?? inFeatures, lin));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** [..., inFeatures] -> [..., outFeatures]. */
  forward(x: Tensor): Tensor {
    checkInput(`FeedForward(${this.fc1.inFeatures} -> ${this.fc1.outFeatures} -> ${this.fc2.outFeatures})`, x, this.fc1.inFeatures);
    return T.tidy(() => this.fc2.forward(this.act.forward(this.fc1.forward(x))));
  }

  override extraRepr(): string {
    return `activation=${this.act.moduleName}`;
  }
}

/** silu(a) * b as one elementwise kernel (the gate of SwiGLU). */
export const swigluGate: (a: Tensor, b: Tensor) => Tensor = T.fuse((a, b) => a.silu().mul(b));

/**
 * SwiGLU (Shazeer, 2020), the LLaMA feed-forward block: `w2(silu(w1 x) * w3 x)`, three
 * matrices with hidden width h. Names as in LLaMA: `w1.weight` (gate), `w3.weight` (up),
 * `w2.weight` (down).
 */
export class SwiGLU extends Module {
  /** inFeatures -> hidden, through silu. */
  readonly w1: Linear;
  /** inFeatures -> hidden, the linear branch. */
  readonly w3: Linear;
  /** hidden -> outFeatures. */
  readonly w2: Linear;

  constructor(inFeatures: number, hidden: number, options: FeedForwardOptions = {}) {
    super();
    const lin = { device: options.device, dtype: options.dtype, bias: options.bias ?? false };
    try {
      this.w1 = this.registerModule('w1', new Linear(inFeatures, hidden, lin));
      this.w3 = this.registerModule('w3', new Linear(inFeatures, hidden, lin));
      this.w2 = this.registerModule('w2', new Linear(hidden, options.outFeatures ?? inFeatures, lin));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** [..., inFeatures] -> [..., outFeatures]. */
  forward(x: Tensor): Tensor {
    checkInput(`SwiGLU(${this.w1.inFeatures} -> ${this.w1.outFeatures} -> ${this.w2.outFeatures})`, x, this.w1.inFeatures);
    return T.tidy(() => this.w2.forward(swigluGate(this.w1.forward(x), this.w3.forward(x))));
  }
}

/** What {@link feedForward} builds: an activation by name, or 'swiglu'. */
export type FeedForwardKind = ActivationKind | 'swiglu';

/**
 * The hidden width of a `kind` block parameter-matched to SwiGLU with hidden width h: h for
 * SwiGLU, round(3h / 2) for the two-matrix blocks (exact for even h).
 */
export function matchedHidden(kind: FeedForwardKind, h: number): number {
  if (!Number.isInteger(h) || h <= 0) throw new ValueError(`matchedHidden: h must be a positive integer, got ${h}`);
  return kind === 'swiglu' ? h : Math.round((3 * h) / 2);
}

/**
 * A feed-forward block of `kind` on `dim` features, parameter-matched to SwiGLU with hidden
 * width `h` (see {@link matchedHidden}): `feedForward('polynorm', 512, 1376)` is a 512 -> 2064 ->
 * 512 MLP with PolyNorm, `feedForward('swiglu', 512, 1376)` a SwiGLU with 1376; both hold
 * 3 * 512 * 1376 weights.
 */
export function feedForward(kind: FeedForwardKind, dim: number, h: number, options: FeedForwardOptions & { activationOptions?: MLPBlockOptions['activationOptions'] } = {}): FeedForward | SwiGLU {
  const hidden = matchedHidden(kind, h);
  if (kind === 'swiglu') return new SwiGLU(dim, hidden, options);
  return new FeedForward(dim, hidden, { ...options, activation: kind });
}
