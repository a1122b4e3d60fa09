import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { LayerNorm, Module, kaimingUniform_, type LayerOptions } from '@nonlinear/nn';
import type { EdgeFunctionSamples, KANLayer } from '../layer.js';
import { uniformKnots } from './basis/bspline.js';
import { bsrbfBasis, bsrbfBasisReference } from './basis/bsrbf.js';
import { checkLayerInput } from '../checks.js';
import { checkInt, checkKeys } from '../options.js';
import { checkBool, checkEdgePoints, checkRange, edgeSamples, edgeSum, overRows } from './common.js';
import { SILU_FLOPS, bsplineFlops } from './flops.js';
import { layerNormFlops, matmulFlops } from '../flops.js';

/** Options of {@link BSRBFKANLayer} (BSRBF-KAN's `BSRBF_KANLayer` arguments, camelCase). */
export interface BSRBFKANOptions extends LayerOptions {
  /** Grid intervals g (default 5); g + k bases per input. */
  gridSize?: number;
  /** B-spline order k (default 3). */
  splineOrder?: number;
  /** The B-spline grid's interval and the span of the RBF centers (default [-1.5, 1.5]). */
  gridRange?: [number, number];
  /** Run the fused basis kernels (default true); false runs their composition. */
  fused?: boolean;
}

const OPTION_KEYS = ['device', 'dtype', 'gridSize', 'splineOrder', 'gridRange', 'fused'];

/**
 * BSRBF-KAN (hoangthangta/BSRBF_KAN): `y = W_b silu(u) + W_s vec(B(u) + RBF(u))`, u = LN(x), B the
 * order-k B-splines on a uniform grid (g intervals over gridRange, extended by k knots), RBF
 * g + k Gaussians with centers evenly spaced over gridRange. Parameters, in BSRBF-KAN's names:
 * `layernorm` (LayerNorm(in)), `base_weight` [out, in], `spline_weight` [out, in (g + k)] (both
 * kaiming-uniform, a = sqrt(5)), and the buffer `grid` [in, g + 2k + 1] (the reference's RBF
 * grid is a Parameter with requires_grad=False: not trained, not counted). All are used in
 * forward; 784-64-10 has 459,040. The two bases are one fused kernel.
 */
export class BSRBFKANLayer extends Module implements KANLayer {
  /** Width of the input's last dim. */
  readonly inFeatures: number;
  /** Width of the output's last dim. */
  readonly outFeatures: number;
  /** Grid intervals g. */
  readonly gridSize: number;
  /** B-spline order k. */
  readonly splineOrder: number;
  /** The grid's interval. */
  readonly gridRange: readonly [number, number];
  /** Whether forward runs the fused basis kernel. */
  fused: boolean;
  /** LayerNorm(in). */
  layernorm: LayerNorm;
  /** W_b [out, in]. */
  baseWeight: Tensor;
  /** W_s [out, in (g + k)]. */
  splineWeight: Tensor;
  /** Knots per input [in, g + 2k + 1] (a buffer). */
  grid: Tensor;
  /** The RBF centers [g + k], evenly spaced over gridRange (a buffer, BSRBF-KAN's `rbf.grid`). */
  rbfGrid: Tensor;
  /** The RBF width: the centers' spacing. */
  readonly rbfDenominator: number;

  constructor(inFeatures: number, outFeatures: number, options: BSRBFKANOptions = {}) {
    super();
    const L = 'BSRBFKANLayer';
    checkKeys(L, options, OPTION_KEYS);
    this.inFeatures = checkInt(L, 'inFeatures', inFeatures, 1);
    this.outFeatures = checkInt(L, 'outFeatures', outFeatures, 1);
    this.gridSize = checkInt(L, 'gridSize', options.gridSize ?? 5, 1);
    this.splineOrder = checkInt(L, 'splineOrder', options.splineOrder ?? 3, 0);
    if (this.gridSize + this.splineOrder < 2) throw new T.ValueError(`${L}: gridSize + splineOrder must be >= 2 (the RBF centers need a spacing), got ${this.gridSize + this.splineOrder}`);
    this.gridRange = Object.freeze(checkRange(L, 'gridRange', options.gridRange ?? [-1.5, 1.5]));
    this.fused = checkBool(L, 'fused', options.fused ?? true);
    const opts = { device: options.device, dtype: options.dtype ?? 'float32' };
    const [D, O, g, k] = [inFeatures, outFeatures, this.gridSize, this.splineOrder];
    this.layernorm = this.registerModule('layernorm', new LayerNorm(D, opts));
    this.baseWeight = this.registerParameter('base_weight', kaimingUniform_(T.zeros([O, D], opts), { a: Math.sqrt(5) }));
    this.splineWeight = this.registerParameter('spline_weight', kaimingUniform_(T.zeros([O, D * (g + k)], opts), { a: Math.sqrt(5) }));
    const knots = uniformKnots(g, k, this.gridRange[0], this.gridRange[1]);
    const G = knots.length;
    const gridData = new Float64Array(D * G);
    for (let i = 0; i < D; i++) gridData.set(knots, i * G);
    this.grid = this.registerBuffer('grid', T.tensor(gridData, { ...opts, shape: [D, G] }));
    this.rbfGrid = this.registerBuffer('rbf_grid', T.linspace(this.gridRange[0], this.gridRange[1], g + k, opts), { persistent: false });
    this.rbfDenominator = (this.gridRange[1] - this.gridRange[0]) / (g + k - 1);
  }

  private get name(): string {
    return `BSRBFKANLayer(${this.inFeatures} -> ${this.outFeatures})`;
  }

  private basis(u: Tensor): Tensor {
    const [k, c, h] = [this.splineOrder, this.rbfGrid, this.rbfDenominator];
    return this.fused ? bsrbfBasis(u, this.grid, k, c, h) : bsrbfBasisReference(u, this.grid, k, c, h);
  }

  /** [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    checkLayerInput(this.name, x, this.baseWeight, this.inFeatures);
    const [D, O] = [this.inFeatures, this.outFeatures];
    const n = this.gridSize + this.splineOrder;
    return overRows(x, D, O, (rows) => {
      const u = this.layernorm.forward(rows);
      const base = T.matmul(u.silu(), this.baseWeight.mT);
      return base.add(T.matmul(this.basis(u).reshape([rows.shape[0]!, D * n]), this.splineWeight.mT));
    });
  }

  /** Every parameter is read by forward. */
  usedParameterCount(): number {
    return this.numParameters();
  }

  /** Forward FLOPs per sample: LayerNorm, silu, B-splines, RBFs (5 each) and their sum, the two maps and their sum. */
  flops(): number {
    const [D, O, g, k] = [this.inFeatures, this.outFeatures, this.gridSize, this.splineOrder];
    const n = g + k;
    return layerNormFlops(D) + D * SILU_FLOPS + D * bsplineFlops(g, k) + D * n * 6 + matmulFlops(D, O) + matmulFlops(D * n, O) + O;
  }

  /**
   * phi_{o,i}(u) = W_b[o,i] silu(u) + sum_j W_s[o, i n + j] (B_j(u) + RBF_j(u)) of the normalised
   * input at the points [P]: [out, in, P]; the output is sum_i phi_{o,i}(LN(x)_i) exactly.
   */
  edgeFunctionsAt(points: Tensor): Tensor {
    checkEdgePoints(this.name, points, this.baseWeight);
    const [D, O] = [this.inFeatures, this.outFeatures];
    const n = this.gridSize + this.splineOrder;
    return T.tidy(() => {
      const P = points.shape[0]!;
      const basis = this.basis(points.reshape([P, 1]).expand([P, D]));
      return edgeSum(basis, this.splineWeight.reshape([O, D, n])).add(this.baseWeight.unsqueeze(-1).mul(points.silu()));
    });
  }

  /** Samples the edge functions over `range` of the normalised input (default: gridRange). */
  edgeFunctions(points: number, range: readonly [number, number] = this.gridRange): EdgeFunctionSamples {
    const x = edgeSamples(this.name, points, range, this.baseWeight);
    return { x, y: this.edgeFunctionsAt(x) };
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, gridSize=${this.gridSize}, splineOrder=${this.splineOrder}, fused=${this.fused}`;
  }
}
