import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { LayerNorm, Linear, Module, xavierUniform_, type LayerOptions } from '@nonlinear/nn';
import type { EdgeFunctionSamples, KANLayer } from '../layer.js';
import { rswafBasis, rswafBasisReference } from './basis/radial.js';
import { checkLayerInput } from '../checks.js';
import { checkInt, checkKeys } from '../options.js';
import { checkBool, checkEdgePoints, checkNumber, checkCenters, edgeSamples, overRows, sharedBasisEdges } from './common.js';
import { layerNormFlops, matmulFlops } from '../flops.js';

/** Options of {@link FasterKANLayer} (faster-kan's `FasterKANLayer` arguments, camelCase). */
export interface FasterKANOptions extends LayerOptions {
  /** First center (default -1.2). */
  gridMin?: number;
  /** Last center (default 0.2). */
  gridMax?: number;
  /** Number of centers, evenly spaced (default 8). */
  numGrids?: number;
  /**
   * s in `1 - tanh^2(s (u - u_j))` (default 1). faster-kan's forward never applies its
   * `inv_denominator = 0.5` (only its hand-written backward multiplies the input gradient by it,
   * so its gradient is not the forward's); the default is its forward.
   */
  invDenominator?: number;
  /** Run the fused basis kernels (default true); false runs their composition. */
  fused?: boolean;
}

const OPTION_KEYS = ['device', 'dtype', 'gridMin', 'gridMax', 'numGrids', 'invDenominator', 'fused'];

/**
 * FasterKAN (AthanasiosDelis/faster-kan): reflectional switch bases `1 - tanh^2(LN(x) - u_j)`,
 * u = linspace(-1.2, 0.2, 8), mapped by `spline_linear` (no bias); no base branch. Submodules and
 * buffers, with faster-kan's names: `layernorm` (LayerNorm(in)), `spline_linear` (weight
 * [out, in * numGrids], xavier-uniform init) and the buffer `grid` [numGrids] (faster-kan's grid
 * and inv_denominator are Parameters with requires_grad=False: not trained, not counted). All
 * parameters are used in forward; 784-64-10 has 408,224. The gradient is the exact derivative of
 * the forward.
 */
export class FasterKANLayer extends Module implements KANLayer {
  /** Width of the input's last dim. */
  readonly inFeatures: number;
  /** Width of the output's last dim. */
  readonly outFeatures: number;
  /** First center. */
  readonly gridMin: number;
  /** Last center. */
  readonly gridMax: number;
  /** Number of centers. */
  readonly numGrids: number;
  /** The scale s inside the tanh. */
  readonly invDenominator: number;
  /** Whether forward runs the fused basis kernel. */
  fused: boolean;
  /** The centers [numGrids] (a buffer). */
  grid: Tensor;
  /** LayerNorm(in). */
  layernorm: LayerNorm;
  /** The spline map, weight [out, in * numGrids], no bias. */
  splineLinear: Linear;

  constructor(inFeatures: number, outFeatures: number, options: FasterKANOptions = {}) {
    super();
    const L = 'FasterKANLayer';
    checkKeys(L, options, OPTION_KEYS);
    this.inFeatures = checkInt(L, 'inFeatures', inFeatures, 1);
    this.outFeatures = checkInt(L, 'outFeatures', outFeatures, 1);
    [this.gridMin, this.gridMax, this.numGrids] = checkCenters(L, options.gridMin ?? -1.2, options.gridMax ?? 0.2, options.numGrids ?? 8);
    this.invDenominator = checkNumber(L, 'invDenominator', options.invDenominator ?? 1, true);
    this.fused = checkBool(L, 'fused', options.fused ?? true);
    const opts = { device: options.device, dtype: options.dtype ?? 'float32' };
    this.layernorm = this.registerModule('layernorm', new LayerNorm(inFeatures, opts));
    this.grid = this.registerBuffer('grid', T.linspace(this.gridMin, this.gridMax, this.numGrids, opts), { persistent: false });
    this.splineLinear = this.registerModule('spline_linear', new Linear(inFeatures * this.numGrids, outFeatures, { ...opts, bias: false }));
    xavierUniform_(this.splineLinear.weight);
  }

  private get name(): string {
    return `FasterKANLayer(${this.inFeatures} -> ${this.outFeatures})`;
  }

  private basis(u: Tensor): Tensor {
    return this.fused ? rswafBasis(u, this.grid, this.invDenominator) : rswafBasisReference(u, this.grid, this.invDenominator);
  }

  /** [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    checkLayerInput(this.name, x, this.splineLinear.weight, this.inFeatures);
    const [D, O, G] = [this.inFeatures, this.outFeatures, this.numGrids];
    return overRows(x, D, O, (rows) => T.matmul(this.basis(this.layernorm.forward(rows)).reshape([rows.shape[0]!, D * G]), this.splineLinear.weight.mT));
  }

  /** Every parameter is read by forward. */
  usedParameterCount(): number {
    return this.numParameters();
  }

  /** Forward FLOPs per sample: LayerNorm, the bases (subtract, tanh, square, subtract: 4 each), the spline map. */
  flops(): number {
    const [D, O, G] = [this.inFeatures, this.outFeatures, this.numGrids];
    return layerNormFlops(D) + D * G * (this.invDenominator === 1 ? 4 : 5) + matmulFlops(D * G, O);
  }

  /**
   * phi_{o,i}(u) = sum_j W[o, i n + j] (1 - tanh^2(s (u - u_j))) of the normalised input u at the
   * points [P]: [out, in, P]; the output is sum_i phi_{o,i}(LN(x)_i) exactly.
   */
  edgeFunctionsAt(points: Tensor): Tensor {
    checkEdgePoints(this.name, points, this.splineLinear.weight);
    return T.tidy(() => sharedBasisEdges(this.basis(points.reshape([-1, 1])), this.splineLinear.weight.reshape([this.outFeatures, this.inFeatures, this.numGrids])));
  }

  /** Samples the edge functions over `range` of the normalised input (default: the centers extended by 2/s each side). */
  edgeFunctions(points: number, range: readonly [number, number] = [this.gridMin - 2 / this.invDenominator, this.gridMax + 2 / this.invDenominator]): EdgeFunctionSamples {
    const x = edgeSamples(this.name, points, range, this.splineLinear.weight);
    return { x, y: this.edgeFunctionsAt(x) };
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, numGrids=${this.numGrids}, grid=[${this.gridMin}, ${this.gridMax}], fused=${this.fused}`;
  }
}
