import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { LayerNorm, Module, type LayerOptions } from '@nonlinear/nn';
import type { EdgeFunctionSamples, KANLayer } from '../layer.js';
import { fourierBasis, fourierBasisReference } from './basis/fourier.js';
import { checkLayerInput } from '../checks.js';
import { checkInt, checkKeys } from '../options.js';
import { checkBool, checkEdgePoints, edgeSamples, edgeSum, overRows } from './common.js';
import { layerNormFlops, matmulFlops } from '../flops.js';

/** Options of {@link FourierKANLayer}. */
export interface FourierKANOptions extends LayerOptions {
  /** Number of frequencies g (k = 1..g; default 8, All-KAN's FourierKAN). */
  gridSize?: number;
  /** Learn a bias per output (default true). */
  addBias?: boolean;
  /** LayerNorm the input first (default true, as the spec asks). */
  layerNorm?: boolean;
  /** Divide the initial coefficients of frequency k by k^2 instead of sqrt(g) (default false). */
  smoothInitialization?: boolean;
  /** Run the fused basis kernels (default true); false runs their composition. */
  fused?: boolean;
}

const OPTION_KEYS = ['device', 'dtype', 'gridSize', 'addBias', 'layerNorm', 'smoothInitialization', 'fused'];

/**
 * FourierKAN (GistNoesis/FourierKAN): `y_o = sum_i sum_{k=1..g} a[o,i,k] cos(k u_i) + b[o,i,k] sin(k u_i) + bias_o`
 * with u = LayerNorm(x). Parameters, in FourierKAN's names and layout: `fouriercoeffs`
 * [2, out, in, g] (cos then sin; init N(0, 1) / (sqrt(in) sqrt(g))), `bias` [1, out] (zeros,
 * tagged noDecay), and the submodule `layernorm`. All-KAN's FourierKAN model builds a LayerNorm
 * per layer but never calls it (its parameters are registered and unused); here it is used, as
 * the spec asks, and `layerNorm: false` leaves it out. The buffer `frequencies` [2, 1, 1, g]
 * holds k (negated in the sin half). The output map is one batched matmul (cos and sin halves) and a sum.
 */
export class FourierKANLayer extends Module implements KANLayer {
  /** Width of the input's last dim. */
  readonly inFeatures: number;
  /** Width of the output's last dim. */
  readonly outFeatures: number;
  /** Number of frequencies g. */
  readonly gridSize: number;
  /** Whether forward runs the fused basis kernel. */
  fused: boolean;
  /** The cos coefficients, then the sin ones: shape [2, out, in, g]. */
  fouriercoeffs: Tensor;
  /** [1, out], or null with addBias false. */
  bias: Tensor | null = null;
  /** LayerNorm(in), or null with layerNorm false. */
  layernorm: LayerNorm | null = null;
  /** k = 1..g, then -1..-g for the sin half, as [2, 1, 1, g] (a buffer). */
  frequencies: Tensor;

  constructor(inFeatures: number, outFeatures: number, options: FourierKANOptions = {}) {
    super();
    const L = 'FourierKANLayer';
    checkKeys(L, options, OPTION_KEYS);
    this.inFeatures = checkInt(L, 'inFeatures', inFeatures, 1);
    this.outFeatures = checkInt(L, 'outFeatures', outFeatures, 1);
    this.gridSize = checkInt(L, 'gridSize', options.gridSize ?? 8, 1);
    const addBias = checkBool(L, 'addBias', options.addBias ?? true);
    const useLN = checkBool(L, 'layerNorm', options.layerNorm ?? true);
    const smooth = checkBool(L, 'smoothInitialization', options.smoothInitialization ?? false);
    this.fused = checkBool(L, 'fused', options.fused ?? true);
    const opts = { device: options.device, dtype: options.dtype ?? 'float32' };
    const g = this.gridSize;
    if (useLN) this.layernorm = this.registerModule('layernorm', new LayerNorm(inFeatures, opts));
    const coeffs = T.tidy(() => {
      const norm = smooth
        ? T.tensor(Float64Array.from({ length: g }, (_, k) => (k + 1) ** 2 * Math.sqrt(inFeatures)), opts)
        : Math.sqrt(inFeatures) * Math.sqrt(g);
      return T.randn([2, outFeatures, inFeatures, g], opts).div(norm).detach();
    });
    this.fouriercoeffs = this.registerParameter('fouriercoeffs', coeffs);
    if (addBias) this.bias = this.registerParameter('bias', T.zeros([1, outFeatures], opts), { noDecay: true });
    // 1..g for the cos half, -1..-g for the sin half (the sign picks sin in the kernels).
    const freq = Float64Array.from({ length: 2 * g }, (_, j) => (j < g ? 1 : -1) * ((j % g) + 1));
    this.frequencies = this.registerBuffer('frequencies', T.tensor(freq, { ...opts, shape: [2, 1, 1, g] }), { persistent: false });
  }

  private get name(): string {
    return `FourierKANLayer(${this.inFeatures} -> ${this.outFeatures})`;
  }

  private basis(u: Tensor): Tensor {
    return this.fused ? fourierBasis(u, this.frequencies) : fourierBasisReference(u, this.frequencies);
  }

  /** [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    checkLayerInput(this.name, x, this.fouriercoeffs, this.inFeatures);
    const [D, O, g] = [this.inFeatures, this.outFeatures, this.gridSize];
    return overRows(x, D, O, (rows) => {
      const N = rows.shape[0]!;
      const u = this.layernorm ? this.layernorm.forward(rows) : rows;
      const y = T.matmul(this.basis(u).reshape([2, N, D * g]), this.fouriercoeffs.reshape([2, O, D * g]).mT).sum(0);
      return this.bias ? y.add(this.bias) : y;
    });
  }

  /** Every parameter is read by forward. */
  usedParameterCount(): number {
    return this.numParameters();
  }

  /** Forward FLOPs per sample: LayerNorm, k x, cos and sin per frequency and input (3), the map over 2 g D bases, the bias. */
  flops(): number {
    const [D, O, g] = [this.inFeatures, this.outFeatures, this.gridSize];
    return (this.layernorm ? layerNormFlops(D) : 0) + 3 * D * g + matmulFlops(2 * D * g, O) + (this.bias ? O : 0);
  }

  /**
   * phi_{o,i}(u) = sum_k a[o,i,k] cos(k u) + b[o,i,k] sin(k u) of the normalised input at the
   * points [P]: [out, in, P]. The output is sum_i phi_{o,i}(LN(x)_i) + bias.
   */
  edgeFunctionsAt(points: Tensor): Tensor {
    checkEdgePoints(this.name, points, this.fouriercoeffs);
    const [D, O, g] = [this.inFeatures, this.outFeatures, this.gridSize];
    return T.tidy(() => {
      const P = points.shape[0]!;
      const basis = this.basis(points.reshape([P, 1])).permute(1, 2, 0, 3).reshape([P, 1, 2 * g]).expand([P, D, 2 * g]);
      return edgeSum(basis, this.fouriercoeffs.permute(1, 2, 0, 3).reshape([O, D, 2 * g]));
    });
  }

  /** Samples the edge functions over `range` of the normalised input (default [-pi, pi], one period). */
  edgeFunctions(points: number, range: readonly [number, number] = [-Math.PI, Math.PI]): EdgeFunctionSamples {
    const x = edgeSamples(this.name, points, range, this.fouriercoeffs);
    return { x, y: this.edgeFunctionsAt(x) };
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, gridSize=${this.gridSize}, layerNorm=${this.layernorm !== null}, fused=${this.fused}`;
  }
}
