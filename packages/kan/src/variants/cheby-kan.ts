import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Module, normal_, type LayerOptions } from '@nonlinear/nn';
import type { EdgeFunctionSamples, KANLayer } from '../layer.js';
import { chebyshevBasis, chebyshevBasisReference } from './basis/chebyshev.js';
import { checkLayerInput } from '../checks.js';
import { checkInt, checkKeys } from '../options.js';
import { checkBool, checkEdgePoints, edgeSamples, overRows, sharedBasisEdges } from './common.js';
import { matmulFlops } from '../flops.js';

/** Options of {@link ChebyKANLayer}. */
export interface ChebyKANOptions extends LayerOptions {
  /** The highest Chebyshev degree (default 3, the spec's degree = k); degree + 1 bases per input. */
  degree?: number;
  /** Run the fused basis kernels (default true); false runs their composition. */
  fused?: boolean;
}

const OPTION_KEYS = ['device', 'dtype', 'degree', 'fused'];

/**
 * ChebyKAN (SynodicMonth/ChebyKAN): `y_o = sum_i sum_d C[i, o, d] T_d(tanh x_i)`, Chebyshev
 * polynomials of the first kind of the tanh-squashed input, no bias, no base branch. One
 * parameter, in ChebyKAN's name and layout: `cheby_coeffs` [in, out, degree + 1], init
 * N(0, 1/(in (degree + 1))); the buffer `arange` [degree + 1] holds the degrees. The output map
 * is one matmul with C copied into an [in * (degree + 1), out] matrix.
 */
export class ChebyKANLayer extends Module implements KANLayer {
  /** Width of the input's last dim. */
  readonly inFeatures: number;
  /** Width of the output's last dim. */
  readonly outFeatures: number;
  /** The highest degree. */
  readonly degree: number;
  /** Whether forward runs the fused basis kernel. */
  fused: boolean;
  /** C [in, out, degree + 1]. */
  chebyCoeffs: Tensor;
  /** [0, 1, ..., degree] (a buffer). */
  arange: Tensor;

  constructor(inFeatures: number, outFeatures: number, options: ChebyKANOptions = {}) {
    super();
    const L = 'ChebyKANLayer';
    checkKeys(L, options, OPTION_KEYS);
    this.inFeatures = checkInt(L, 'inFeatures', inFeatures, 1);
    this.outFeatures = checkInt(L, 'outFeatures', outFeatures, 1);
    this.degree = checkInt(L, 'degree', options.degree ?? 3, 0);
    this.fused = checkBool(L, 'fused', options.fused ?? true);
    const opts = { device: options.device, dtype: options.dtype ?? 'float32' };
    const n = this.degree + 1;
    this.chebyCoeffs = this.registerParameter('cheby_coeffs', normal_(T.zeros([inFeatures, outFeatures, n], opts), 0, 1 / (inFeatures * n)));
    this.arange = this.registerBuffer('arange', T.arange(0, n, 1, opts), { persistent: false });
  }

  private get name(): string {
    return `ChebyKANLayer(${this.inFeatures} -> ${this.outFeatures})`;
  }

  private basis(x: Tensor): Tensor {
    return this.fused ? chebyshevBasis(x, this.arange) : chebyshevBasisReference(x, this.arange);
  }

  /** [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    checkLayerInput(this.name, x, this.chebyCoeffs, this.inFeatures);
    const [D, O] = [this.inFeatures, this.outFeatures];
    const n = this.degree + 1;
    // One copy of C into the [in * (degree + 1), out] matrix, then one matmul: faster than a
    // batched matmul over the degrees reading C in place and a sum (measured on lavapipe).
    return overRows(x, D, O, (rows) => T.matmul(this.basis(rows).reshape([rows.shape[0]!, D * n]), this.chebyCoeffs.permute(0, 2, 1).reshape([D * n, O])));
  }

  /** Every parameter is read by forward. */
  usedParameterCount(): number {
    return this.numParameters();
  }

  /** Forward FLOPs per sample: tanh and the recursion (3 per degree above 1) per input, the output map. */
  flops(): number {
    const [D, O, d] = [this.inFeatures, this.outFeatures, this.degree];
    return D * (1 + 3 * Math.max(0, d - 1)) + matmulFlops(D * (d + 1), O);
  }

  /** phi_{o,i}(u) = sum_d C[i, o, d] T_d(tanh u) at the points [P]: [out, in, P]; the output is sum_i phi_{o,i}(x_i). */
  edgeFunctionsAt(points: Tensor): Tensor {
    checkEdgePoints(this.name, points, this.chebyCoeffs);
    return T.tidy(() => sharedBasisEdges(this.basis(points.reshape([-1, 1])), this.chebyCoeffs.permute(1, 0, 2)));
  }

  /** Samples the edge functions over `range` (default [-3, 3], where tanh covers 99.5% of (-1, 1)). */
  edgeFunctions(points: number, range: readonly [number, number] = [-3, 3]): EdgeFunctionSamples {
    const x = edgeSamples(this.name, points, range, this.chebyCoeffs);
    return { x, y: this.edgeFunctionsAt(x) };
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, degree=${this.degree}, fused=${this.fused}`;
  }
}
