import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Linear, Module, kaimingUniform_, type LayerOptions } from '@nonlinear/nn';
import { checkLayerInput } from '../checks.js';
import { matmulFlops, softmaxFlops } from '../flops.js';
import type { KANLayer } from '../layer.js';
import { applyNorm, makeNorm, normFlops, NORM_KINDS, type FeatureNorm, type NormKind } from '../norm.js';
import { checkChoice, checkInt, checkKeys, PLACEMENT_KEYS } from '../options.js';
import { AFKAN_ACTIVATIONS, activationDef, applyActivation, type AFKANActivation } from './activations.js';
import { afkanBasis, afkanBasisReference } from './basis.js';
import { AFKAN_COMBINES, combineFlops, combineOutputs, type AFKANCombine } from './combine.js';
import { AFKAN_FUNCTIONS, functionDef, type AFKANFunction } from './functions.js';
import { L2MM_MODES, l2mm, l2mmReference, type L2MMMode } from './l2mm.js';
import { AFKAN_REDUCTIONS, DepthwiseConv1d, globalAttention, multistep, spatialAttention, type AFKANReduction } from './reductions.js';

/** Options of {@link AFKANLayer} (and of `buildKAN(widths, 'afkan', options)`). */
export interface AFKANOptions extends LayerOptions {
  /** The grid size g (default 3). */
  gridSize?: number;
  /** The "spline order" k (default 3); the layer has n = g + k bumps. */
  splineOrder?: number;
  /** A, used inside the basis and before the output map (default 'silu', the paper's best). */
  activation?: AFKANActivation;
  /** F, the function of a = A(x - s) and b = A(e - x) (default 'quad1'). */
  functionType?: AFKANFunction;
  /** The reduction methods (default ['global_attn']); several make a multi-method model. */
  methods?: readonly AFKANReduction[];
  /** How several methods' outputs are combined (default 'sum'). */
  combine?: AFKANCombine;
  /** The norm of the reduced features (default 'layer'). */
  norm?: NormKind;
  /** L2MM normalisation of the basis (default 'none'; the reference code's default is 'batch'). */
  l2mm?: L2MMMode;
  /** Train the grid s, e (default true); false keeps them as buffers. */
  trainGrid?: boolean;
  /** Run the fused kernels (default true); false runs the compositions of public ops. */
  fused?: boolean;
}

/** The option names {@link AFKANLayer} accepts. */
export const AFKAN_OPTION_KEYS: readonly string[] = Object.freeze([
  'gridSize', 'splineOrder', 'activation', 'functionType', 'methods', 'combine', 'norm', 'l2mm', 'trainGrid', 'fused', ...PLACEMENT_KEYS,
]);

/** A grid of n bumps: their lower ends s and upper ends e. */
export interface BumpGrid {
  /** s_j, n values. */
  low: number[];
  /** e_j, n values. */
  high: number[];
}

/** The uniform grid of ReLU-KAN and AF-KAN: s_j = j / g for j = -k..g-1, e_j = s_j + (k + 1) / g. */
export function reluKanGrid(g: number, k: number): BumpGrid {
  const low = Array.from({ length: g + k }, (_, i) => (i - k) / g);
  return { low, high: low.map((s) => s + (k + 1) / g) };
}

/**
 * An AF-KAN layer (Ta et al., 2025): (..., D) -> (..., O).
 *
 * For each reduction method m: phi_ij = F(A(x_i - s_j), A(e_j - x_i)) on n = g + k bumps whose
 * ends s, e (n each, `phaseLow`, `phaseHigh`) are shared by all inputs; optionally L2MM; the
 * reduction to u (..., D); then `W A(norm(u))` with W = `baseWeight` (O, D), no bias. With
 * several methods the layer combines their outputs by `combine` (a model built by `buildKAN`
 * instead runs each method's path through all layers and combines at the end, as the
 * reference). `gkLinear` (Linear(n, 1)) is shared by global_attn and multistep, `temperature`
 * (init sqrt(D)) by global_attn and spatial_attn, as in the reference; only what the chosen
 * methods read is registered, so every parameter is used.
 */
export class AFKANLayer extends Module implements KANLayer {
  /** D. */
  readonly inFeatures: number;
  /** O. */
  readonly outFeatures: number;
  /** g. */
  readonly gridSize: number;
  /** k. */
  readonly splineOrder: number;
  /** n = g + k. */
  readonly numBumps: number;
  /** A. */
  readonly activation: AFKANActivation;
  /** F. */
  readonly functionType: AFKANFunction;
  /** The reduction methods, in order. */
  readonly methods: readonly AFKANReduction[];
  /** How the methods' outputs combine. */
  readonly combine: AFKANCombine;
  /** The norm kind. */
  readonly normKind: NormKind;
  /** The L2MM mode. */
  readonly l2mmMode: L2MMMode;
  /** Whether forward runs the fused kernels. */
  fused: boolean;
  /** s (n): the bumps' lower ends. */
  phaseLow: Tensor;
  /** e (n): the bumps' upper ends. */
  phaseHigh: Tensor;
  /** tau (0-d), init sqrt(D); null unless a method uses attention. */
  temperature: Tensor | null = null;
  /** Linear(n, 1) of global_attn and multistep; null unless one of them is used. */
  gkLinear: Linear | null = null;
  /** The scorer of spatial_attn; null unless it is used. */
  conv1d: DepthwiseConv1d | null = null;
  /** The norm over D; null for 'none'. */
  norm: FeatureNorm | null;
  /** W (O, D). */
  baseWeight: Tensor;

  constructor(inFeatures: number, outFeatures: number, options: AFKANOptions = {}) {
    super();
    const op = 'AFKANLayer';
    checkKeys(op, options, AFKAN_OPTION_KEYS);
    this.inFeatures = checkInt(op, 'inFeatures', inFeatures);
    this.outFeatures = checkInt(op, 'outFeatures', outFeatures);
    this.gridSize = checkInt(op, 'gridSize', options.gridSize ?? 3);
    this.splineOrder = checkInt(op, 'splineOrder', options.splineOrder ?? 3, 0);
    this.numBumps = this.gridSize + this.splineOrder;
    this.activation = checkChoice(op, 'activation', options.activation ?? 'silu', AFKAN_ACTIVATIONS);
    this.functionType = checkChoice(op, 'functionType', options.functionType ?? 'quad1', AFKAN_FUNCTIONS);
    const methods = options.methods ?? ['global_attn'];
    if (!Array.isArray(methods) || methods.length === 0) throw new T.ValueError(`${op}: methods must be a non-empty array of ${AFKAN_REDUCTIONS.join(', ')}`);
    methods.forEach((m) => checkChoice(op, 'each method', m, AFKAN_REDUCTIONS));
    this.methods = Object.freeze([...methods]);
    this.combine = checkChoice(op, 'combine', options.combine ?? 'sum', AFKAN_COMBINES);
    this.normKind = checkChoice(op, 'norm', options.norm ?? 'layer', NORM_KINDS);
    this.l2mmMode = checkChoice(op, 'l2mm', options.l2mm ?? 'none', L2MM_MODES);
    this.fused = options.fused ?? true;
    const opts = { device: options.device, dtype: options.dtype };
    const { low, high } = reluKanGrid(this.gridSize, this.splineOrder);
    const lowT = T.tensor(low, opts);
    const highT = T.tensor(high, opts);
    if (options.trainGrid ?? true) {
      this.phaseLow = this.registerParameter('phaseLow', lowT, { noDecay: true });
      this.phaseHigh = this.registerParameter('phaseHigh', highT, { noDecay: true });
    } else {
      this.phaseLow = this.registerBuffer('phaseLow', lowT);
      this.phaseHigh = this.registerBuffer('phaseHigh', highT);
    }
    const uses = (m: AFKANReduction): boolean => this.methods.includes(m);
    if (uses('global_attn') || uses('spatial_attn')) {
      this.temperature = this.registerParameter('temperature', T.tensor(Math.sqrt(inFeatures), opts), { noDecay: true });
    }
    if (uses('global_attn') || uses('multistep')) this.gkLinear = this.registerModule('gkLinear', new Linear(this.numBumps, 1, opts));
    if (uses('spatial_attn')) this.conv1d = this.registerModule('conv1d', new DepthwiseConv1d(this.numBumps, opts));
    this.norm = makeNorm(this.normKind, inFeatures, opts);
    if (this.norm) this.registerModule('norm', this.norm);
    this.baseWeight = this.registerParameter('baseWeight', kaimingUniform_(T.zeros([outFeatures, inFeatures], opts), { a: Math.sqrt(5) }));
  }

  /** The basis phi (..., D, n) of x (..., D), after L2MM when it is on. */
  basis(x: Tensor): Tensor {
    return T.tidy(() => {
      const phi = this.fused
        ? afkanBasis(x, this.phaseLow, this.phaseHigh, this.activation, this.functionType)
        : afkanBasisReference(x, this.phaseLow, this.phaseHigh, this.activation, this.functionType);
      if (this.l2mmMode === 'none') return phi;
      return this.fused ? l2mm(phi, this.l2mmMode) : l2mmReference(phi, this.l2mmMode);
    });
  }

  /** The reduced features u (..., D) of a basis by one method. */
  reduce(phi: Tensor, method: AFKANReduction): Tensor {
    if (method === 'global_attn') return globalAttention(phi, this.gkLinear!.weight, this.gkLinear!.bias!, this.temperature!);
    if (method === 'multistep') return multistep(phi, this.gkLinear!.weight, this.gkLinear!.bias!);
    return spatialAttention(phi, this.conv1d!, this.temperature!);
  }

  /** One method's path: W A(norm(reduce(basis(x)))), (..., D) -> (..., O). */
  forwardMethod(x: Tensor, method: AFKANReduction): Tensor {
    this.checkInput(x);
    checkChoice(this.moduleName, 'method', method, this.methods);
    return T.tidy(() => {
      const u = applyNorm(this.norm, this.normKind, this.reduce(this.basis(x), method));
      return T.matmul(applyActivation(this.activation, u, this.fused), this.baseWeight.mT);
    });
  }

  /** (..., D) -> (..., O): each method's path, combined by `combine` when there are several. */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    return T.tidy(() => combineOutputs(this.methods.map((m) => this.forwardMethod(x, m)), this.combine));
  }

  private checkInput(x: unknown): asserts x is Tensor {
    checkLayerInput(`AFKANLayer(${this.inFeatures} -> ${this.outFeatures})`, x, this.baseWeight, this.inFeatures);
  }

  /** Every registered parameter is read by forward. */
  usedParameterCount(): number {
    return this.numParameters();
  }

  /** Analytic forward FLOPs of one method's path for one sample. */
  methodFlops(method: AFKANReduction): number {
    const d = this.inFeatures;
    const n = this.numBumps;
    const a = activationDef(this.activation).flops;
    // Two subtractions, two activations and F per (input, bump).
    let f = d * n * (2 + 2 * a + functionDef(this.functionType).flops);
    // L2MM: the squared sum (2), min and max (2), then shift and scale (2) per value.
    if (this.l2mmMode !== 'none') f += 6 * d * n;
    if (method === 'global_attn') {
      // z: n multiply-adds and the bias; sum_j phi: n; z / tau: 1; softmax over D; alpha * sum: 1.
      f += d * (2 * n + 1 + n + 1 + 1) + softmaxFlops(d);
    } else if (method === 'multistep') {
      f += d * (2 * n + 1);
    } else {
      // Three taps and the bias per value, / tau, softmax over n, weighted sum (2 per value).
      f += d * n * (6 + 1 + 1 + 2) + d * softmaxFlops(n);
    }
    return f + normFlops(this.normKind, d) + a * d + matmulFlops(d, this.outFeatures);
  }

  /** Analytic forward FLOPs for one sample: every method's path plus their combination. */
  flops(): number {
    return this.methods.reduce((s, m) => s + this.methodFlops(m), 0) + combineFlops(this.methods.length, this.outFeatures, this.combine);
  }

  override extraRepr(): string {
    return `${this.inFeatures} -> ${this.outFeatures}, g=${this.gridSize}, k=${this.splineOrder}, activation=${this.activation}, functionType=${this.functionType}, methods=[${this.methods.join(', ')}], norm=${this.normKind}, l2mm=${this.l2mmMode}`;
  }
}
