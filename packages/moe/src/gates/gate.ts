import * as T from '@nonlinear/tensor';
import { DTypeError, DeviceMismatchError, ShapeError, Tensor, ValueError, isFloat } from '@nonlinear/tensor';
import { Module, kaimingUniform_, type LayerOptions } from '@nonlinear/nn';

/**
 * The common frame of every router: a gate holds W_g ([E, dim], PyTorch's `nn.Linear(dim, E,
 * bias=False).weight`, as Mixtral's `gate.weight`), computes the logits z = x W_g^T of N tokens
 * and turns them into combine weights over the E experts.
 */

/** The gates of spec moe.md, by the names the spec gives them. */
export type GateKind = 'softmax' | 'topk' | 'temperature' | 'activation' | 'sigmoid' | 'expert_choice';

/** What a gate returns for N tokens and E experts; every tensor is [N, E] and the caller's to dispose. */
export interface GateOutput {
  /** Combine weights: the weight of expert e in token n's output, 0 where the pair is not routed. */
  weights: Tensor;
  /** 1 where token n is routed to expert e, 0 elsewhere (the gate's dtype). Not differentiable. */
  mask: Tensor;
  /** The router probabilities P the load-balancing loss averages (each gate says which). */
  probs: Tensor;
  /** The scores entering the gate's softmax (or sigmoid), for the router z-loss. */
  logits: Tensor;
}

/** Options of {@link Gate.route}. */
export interface RouteOptions {
  /**
   * The gate's noise as an explicit [N, E] tensor, so a run is reproducible (fixtures, tests):
   * standard normal eps for the noisy top-k gate, Gumbel(0, 1) samples for the temperature gate
   * with `gumbel`. Without it, a noisy gate draws its own noise in training mode and uses none in
   * eval mode. Gates without noise reject it.
   */
  noise?: Tensor;
}

/** Options every gate takes. */
export interface GateBaseOptions extends LayerOptions {}

/** Throws unless `n` is a positive integer. */
export function checkPositiveInt(where: string, what: string, n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new ValueError(`${where}: ${what} must be a positive integer, got ${String(n)}`);
}

/** Throws unless `v` is a finite number > 0. */
export function checkPositive(where: string, what: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new ValueError(`${where}: ${what} must be a finite number > 0, got ${String(v)}`);
}

/** Throws unless `x` is a live float tensor of `like`'s dtype and backend, shaped [..., features]. */
export function checkGateInput(where: string, x: unknown, like: Tensor, features: number, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${where}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.assertLive(where);
  if (!isFloat(x.dtype)) throw new DTypeError(`${where}: ${what} must be float32 or float64, got ${x.dtype}`);
  if (x.dtype !== like.dtype) throw new DTypeError(`${where}: ${what} is ${x.dtype} but the parameters are ${like.dtype}`);
  if (x.backend !== like.backend) {
    throw new DeviceMismatchError(`${where}: ${what} is on ${x.device} but the parameters are on ${like.device}; move one of them (await module.to('${x.device}'))`);
  }
  if (x.ndim !== 2 || x.shape[1] !== features) throw new ShapeError(`${where}: expected ${what} of shape [N, ${features}], got [${x.shape.join(', ')}]`);
}

/**
 * The base of every gate: the router matrix `weight` [numExperts, inFeatures], initialised as
 * PyTorch's Linear (kaiming-uniform, a = sqrt(5)), and {@link Gate.route}. Subclasses implement
 * {@link Gate.gate} from the logits.
 */
export abstract class Gate extends Module {
  /** The gate's kind (spec moe.md). */
  abstract readonly kind: GateKind;
  /** Token width d. */
  readonly inFeatures: number;
  /** Number of experts E. */
  readonly numExperts: number;
  /** W_g, [numExperts, inFeatures]. */
  weight: Tensor;

  constructor(inFeatures: number, numExperts: number, options: GateBaseOptions = {}) {
    super();
    checkPositiveInt('Gate', 'inFeatures', inFeatures);
    checkPositiveInt('Gate', 'numExperts', numExperts);
    this.inFeatures = inFeatures;
    this.numExperts = numExperts;
    const w = T.zeros([numExperts, inFeatures], { device: options.device, dtype: options.dtype });
    this.weight = this.registerParameter('weight', kaimingUniform_(w, { a: Math.sqrt(5) }));
  }

  /** The name errors lead with, e.g. `TopKGate(8 -> 4, k=2)`. */
  get label(): string {
    return `${this.moduleName}(${this.inFeatures} -> ${this.numExperts})`;
  }

  /**
   * How many experts a token is routed to, on average, for N tokens: what the layer sizes its
   * expert capacity by (E for the dense gates, k for the top-k gates).
   */
  abstract expertsPerToken(numTokens: number): number;

  /**
   * Routes N tokens x [N, inFeatures]: the combine weights, the routing mask, the router
   * probabilities and the logits, each [N, numExperts].
   */
  route(x: Tensor, options: RouteOptions = {}): GateOutput {
    checkGateInput(this.label, x, this.weight, this.inFeatures);
    const noise = options.noise;
    if (noise !== undefined) {
      if (!this.acceptsNoise) throw new ValueError(`${this.label}: this gate has no noise, but route() was given some`);
      checkGateInput(this.label, noise, this.weight, this.numExperts, 'noise');
      if (noise.shape[0] !== x.shape[0]) throw new ShapeError(`${this.label}: noise must be [${x.shape[0]}, ${this.numExperts}], got [${noise.shape.join(', ')}]`);
    }
    return T.tidy(() => this.gate(T.matmul(x, this.weight.mT), x, noise));
  }

  /** Whether {@link RouteOptions.noise} means anything to this gate. */
  protected get acceptsNoise(): boolean {
    return false;
  }

  /** The gate proper, from the logits z = x W_g^T [N, E]. Runs inside a tidy scope. */
  protected abstract gate(z: Tensor, x: Tensor, noise: Tensor | undefined): GateOutput;

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, numExperts=${this.numExperts}`;
  }
}

/** A float 0/1 [N, E] mask with ones at `indices` [N, k] along dim `dim` (a scatter of ones). */
export function maskAt(like: Tensor, dim: number, indices: Tensor): Tensor {
  return T.tidy(() => {
    const ones = T.full(indices.shape, 1, { dtype: like.dtype, device: like.backend });
    return T.scatterAdd(T.zeros(like.shape, { dtype: like.dtype, device: like.backend }), dim, indices, ones);
  });
}

/**
 * The mask of a dense-to-sparse gate: p >= threshold, and always each token's largest weight, so a
 * threshold above 1/E never leaves a token without an expert.
 */
export function thresholdMask(p: Tensor, threshold: number): Tensor {
  return T.noGrad(() => T.tidy(() => T.cast(T.logicalOr(T.ge(p, threshold), T.eq(p, T.max(p, -1, true))), p.dtype)));
}

/** Throws unless the threshold is in [0, 1). */
export function checkThreshold(where: string, threshold: unknown): asserts threshold is number {
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold < 1)) throw new ValueError(`${where}: threshold must be in [0, 1), got ${String(threshold)}`);
}
