import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { LayerNorm, Linear, Module, type LayerOptions } from '@nonlinear/nn';
import type { EdgeFunctionSamples, KANLayer } from '../layer.js';
import { gaussianRbfBasis, gaussianRbfBasisReference } from './basis/radial.js';
import { checkLayerInput } from '../checks.js';
import { checkInt, checkKeys } from '../options.js';
import { checkBool, checkEdgePoints, checkNumber, checkCenters, edgeSamples, overRows, sharedBasisEdges, truncNormal_ } from './common.js';
import { SILU_FLOPS } from './flops.js';
import { layerNormFlops, matmulFlops } from '../flops.js';

/** Options of {@link FastKANLayer} (fast-kan's `FastKANLayer` arguments, camelCase). */
export interface FastKANOptions extends LayerOptions {
  /** First RBF center (default -2). */
  gridMin?: number;
  /** Last RBF center (default 2). */
  gridMax?: number;
  /** Number of RBF centers, evenly spaced (default 8). */
  numGrids?: number;
  /** RBF width h (default (gridMax - gridMin) / (numGrids - 1), 4/7 with the defaults). */
  denominator?: number;
  /** Add the base branch `base_linear(silu(x))` on the un-normalised input (default true). */
  useBaseUpdate?: boolean;
  /** LayerNorm the input of the RBFs (default true). */
  useLayerNorm?: boolean;
  /** Std of the truncated-normal init of the spline weights (default 0.1). */
  splineWeightInitScale?: number;
  /** Run the fused basis kernels (default true); false runs their composition. */
  fused?: boolean;
}

const OPTION_KEYS = ['device', 'dtype', 'gridMin', 'gridMax', 'numGrids', 'denominator', 'useBaseUpdate', 'useLayerNorm', 'splineWeightInitScale', 'fused'];

/**
 * FastKAN (ZiyaoLi/fast-kan): Gaussian RBFs `exp(-((LN(x) - u_j)/h)^2)` of the layer-normalised
 * input, u = linspace(-2, 2, 8), h = 4/7, mapped by `spline_linear` (no bias), plus
 * `base_linear(silu(x))` (with bias) on the un-normalised input. Submodules and buffers, with
 * fast-kan's names: `layernorm` (LayerNorm(in)), `spline_linear` (weight [out, in * numGrids]),
 * `base_linear` (Linear(in, out)) and the buffer `grid` [numGrids] (fast-kan keeps it as a
 * Parameter with requires_grad=False; it is not trained there either, so it is not counted). All
 * parameters are used in forward; 784-64-10 has 459,114.
 */
export class FastKANLayer extends Module implements KANLayer {
  /** Width of the input's last dim. */
  readonly inFeatures: number;
  /** Width of the output's last dim. */
  readonly outFeatures: number;
  /** First RBF center. */
  readonly gridMin: number;
  /** Last RBF center. */
  readonly gridMax: number;
  /** Number of RBF centers. */
  readonly numGrids: number;
  /** RBF width h. */
  readonly denominator: number;
  /** Whether forward runs the fused basis kernel. */
  fused: boolean;
  /** The RBF centers [numGrids] (a buffer). */
  grid: Tensor;
  /** LayerNorm(in), or null with useLayerNorm false. */
  layernorm: LayerNorm | null = null;
  /** The spline map, weight [out, in * numGrids], no bias. */
  splineLinear: Linear;
  /** The base branch Linear(in, out), or null with useBaseUpdate false. */
  baseLinear: Linear | null = null;

  constructor(inFeatures: number, outFeatures: number, options: FastKANOptions = {}) {
    super();
    const L = 'FastKANLayer';
    checkKeys(L, options, OPTION_KEYS);
    this.inFeatures = checkInt(L, 'inFeatures', inFeatures, 1);
    this.outFeatures = checkInt(L, 'outFeatures', outFeatures, 1);
    [this.gridMin, this.gridMax, this.numGrids] = checkCenters(L, options.gridMin ?? -2, options.gridMax ?? 2, options.numGrids ?? 8);
    this.denominator = checkNumber(L, 'denominator', options.denominator ?? (this.gridMax - this.gridMin) / (this.numGrids - 1), true);
    const useBase = checkBool(L, 'useBaseUpdate', options.useBaseUpdate ?? true);
    const useLN = checkBool(L, 'useLayerNorm', options.useLayerNorm ?? true);
    const scale = checkNumber(L, 'splineWeightInitScale', options.splineWeightInitScale ?? 0.1);
    if (scale < 0) throw new T.ValueError(`${L}: splineWeightInitScale must be >= 0, got ${scale}`);
    this.fused = checkBool(L, 'fused', options.fused ?? true);
    const opts = { device: options.device, dtype: options.dtype ?? 'float32' };
    if (useLN) this.layernorm = this.registerModule('layernorm', new LayerNorm(inFeatures, opts));
    this.grid = this.registerBuffer('grid', T.linspace(this.gridMin, this.gridMax, this.numGrids, opts), { persistent: false });
    this.splineLinear = this.registerModule('spline_linear', new Linear(inFeatures * this.numGrids, outFeatures, { ...opts, bias: false }));
    truncNormal_(this.splineLinear.weight, scale);
    if (useBase) this.baseLinear = this.registerModule('base_linear', new Linear(inFeatures, outFeatures, opts));
  }

  private get name(): string {
    return `FastKANLayer(${this.inFeatures} -> ${this.outFeatures})`;
  }

  private basis(u: Tensor): Tensor {
    return this.fused ? gaussianRbfBasis(u, this.grid, this.denominator) : gaussianRbfBasisReference(u, this.grid, this.denominator);
  }

  /** [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    checkLayerInput(this.name, x, this.splineLinear.weight, this.inFeatures);
    const [D, O, G] = [this.inFeatures, this.outFeatures, this.numGrids];
    return overRows(x, D, O, (rows) => {
      const u = this.layernorm ? this.layernorm.forward(rows) : rows;
      const y = T.matmul(this.basis(u).reshape([rows.shape[0]!, D * G]), this.splineLinear.weight.mT);
      return this.baseLinear ? y.add(this.baseLinear.forward(rows.silu())) : y;
    });
  }

  /** Every parameter is read by forward. */
  usedParameterCount(): number {
    return this.numParameters();
  }

  /** Forward FLOPs per sample: LayerNorm, the RBFs (5 each), the spline map and the base branch. */
  flops(): number {
    const [D, O, G] = [this.inFeatures, this.outFeatures, this.numGrids];
    let f = (this.layernorm ? layerNormFlops(D) : 0) + D * G * 5 + matmulFlops(D * G, O);
    if (this.baseLinear) f += D * SILU_FLOPS + matmulFlops(D, O) + O + O;
    return f;
  }

  /**
   * The spline branch's edge functions phi_{o,i}(u) = sum_j W[o, i n + j] exp(-((u - u_j)/h)^2)
   * of the normalised input u at the points [P]: [out, in, P]. The output is
   * sum_i phi_{o,i}(LN(x)_i) + base_linear(silu(x)): the base branch acts on the raw input, so
   * it is not part of these functions.
   */
  edgeFunctionsAt(points: Tensor): Tensor {
    checkEdgePoints(this.name, points, this.splineLinear.weight);
    return T.tidy(() => sharedBasisEdges(this.basis(points.reshape([-1, 1])), this.splineLinear.weight.reshape([this.outFeatures, this.inFeatures, this.numGrids])));
  }

  /**
   * Samples the spline branch's edge functions on `points` values of the normalised input over
   * `range` (default: the centers extended by two widths each side, fast-kan's `plot_curve`).
   */
  edgeFunctions(points: number, range: readonly [number, number] = [this.gridMin - 2 * this.denominator, this.gridMax + 2 * this.denominator]): EdgeFunctionSamples {
    const x = edgeSamples(this.name, points, range, this.splineLinear.weight);
    return { x, y: this.edgeFunctionsAt(x) };
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, numGrids=${this.numGrids}, grid=[${this.gridMin}, ${this.gridMax}], fused=${this.fused}`;
  }
}
