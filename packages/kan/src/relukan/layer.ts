import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Module, kaimingUniform_, uniform_, type LayerOptions } from '@nonlinear/nn';
import { reluKanGrid } from '../afkan/layer.js';
import { checkLayerInput } from '../checks.js';
import { matmulFlops } from '../flops.js';
import type { EdgeFunctionSamples, KANLayer } from '../layer.js';
import { checkInt, checkKeys, PLACEMENT_KEYS } from '../options.js';
import { reluKanBasis, reluKanBasisReference } from './basis.js';

/** Options of {@link ReLUKANLayer} (and of `buildKAN(widths, 'relukan', options)`). */
export interface ReLUKANOptions extends LayerOptions {
  /** The grid size g (default 5, as the ReLU-KAN paper). */
  gridSize?: number;
  /** k (default 3); each input has n = g + k bumps. */
  splineOrder?: number;
  /** Train the grids (default true); false keeps them as buffers. */
  trainGrid?: boolean;
  /** Run the fused basis kernels (default true); false runs the composition. */
  fused?: boolean;
}

/** The option names {@link ReLUKANLayer} accepts. */
export const RELU_KAN_OPTION_KEYS: readonly string[] = Object.freeze(['gridSize', 'splineOrder', 'trainGrid', 'fused', ...PLACEMENT_KEYS]);

/**
 * A ReLU-KAN layer (Qiu et al., 2024): (..., D) -> (..., O) for any leading dims (the original
 * took only (B, D, 1)). Each input i has its own trainable grid, `phaseLow` s and `phaseHigh` e
 * (D, n), and bumps R_ij = [relu(e_ij - x_i) relu(x_i - s_ij)]^2 16 / (e_ij - s_ij)^4; the output
 * is a dense map over all D n bump values plus a bias (`weight` (O, D n) with column i n + j for
 * bump j of input i, `bias` (O); the original's Conv2d with an n x D kernel).
 */
export class ReLUKANLayer extends Module implements KANLayer {
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
  /** Whether forward runs the fused basis kernels. */
  fused: boolean;
  /** s (D, n). */
  phaseLow: Tensor;
  /** e (D, n). */
  phaseHigh: Tensor;
  /** (O, D n). */
  weight: Tensor;
  /** (O). */
  bias: Tensor;

  constructor(inFeatures: number, outFeatures: number, options: ReLUKANOptions = {}) {
    super();
    const op = 'ReLUKANLayer';
    checkKeys(op, options, RELU_KAN_OPTION_KEYS);
    this.inFeatures = checkInt(op, 'inFeatures', inFeatures);
    this.outFeatures = checkInt(op, 'outFeatures', outFeatures);
    this.gridSize = checkInt(op, 'gridSize', options.gridSize ?? 5);
    this.splineOrder = checkInt(op, 'splineOrder', options.splineOrder ?? 3, 0);
    this.numBumps = this.gridSize + this.splineOrder;
    this.fused = options.fused ?? true;
    const opts = { device: options.device, dtype: options.dtype };
    const { low, high } = reluKanGrid(this.gridSize, this.splineOrder);
    const tile = (v: number[]): Tensor => T.tensor(Array.from({ length: inFeatures }, () => v).flat(), { ...opts, shape: [inFeatures, this.numBumps] });
    if (options.trainGrid ?? true) {
      this.phaseLow = this.registerParameter('phaseLow', tile(low), { noDecay: true });
      this.phaseHigh = this.registerParameter('phaseHigh', tile(high), { noDecay: true });
    } else {
      this.phaseLow = this.registerBuffer('phaseLow', tile(low));
      this.phaseHigh = this.registerBuffer('phaseHigh', tile(high));
    }
    const fanIn = inFeatures * this.numBumps;
    this.weight = this.registerParameter('weight', kaimingUniform_(T.zeros([outFeatures, fanIn], opts), { a: Math.sqrt(5) }));
    const bound = 1 / Math.sqrt(fanIn);
    this.bias = this.registerParameter('bias', uniform_(T.zeros([outFeatures], opts), -bound, bound), { noDecay: true });
  }

  /** The bumps R (..., D, n) of x (..., D). */
  basis(x: Tensor): Tensor {
    return this.fused ? reluKanBasis(x, this.phaseLow, this.phaseHigh) : reluKanBasisReference(x, this.phaseLow, this.phaseHigh);
  }

  /** (..., D) -> (..., O). */
  forward(x: Tensor): Tensor {
    checkLayerInput(`ReLUKANLayer(${this.inFeatures} -> ${this.outFeatures})`, x, this.weight, this.inFeatures);
    return T.tidy(() => {
      const r = this.basis(x).reshape([...x.shape.slice(0, -1), this.inFeatures * this.numBumps]);
      return T.add(T.matmul(r, this.weight.mT), this.bias);
    });
  }

  /**
   * The learned edge functions phi_{o,i}(x) = sum_j W[o, i n + j] R_ij(x), sampled at `points`
   * inputs spanning the grid's initial support [-k/g, 1 + 1/g]: x (points), y (O, D, points).
   */
  edgeFunctions(points: number): EdgeFunctionSamples {
    checkInt('ReLUKANLayer.edgeFunctions', 'points', points, 2);
    const lo = -this.splineOrder / this.gridSize;
    const hi = 1 + 1 / this.gridSize;
    const d = this.inFeatures;
    const n = this.numBumps;
    const x = T.linspace(lo, hi, points, { device: this.weight.backend, dtype: this.weight.dtype });
    const y = T.noGrad(() =>
      T.tidy(() => {
        // Every input sees the same points: R (points, D, n) -> (D, points, n) @ W (D, n, O).
        const r = reluKanBasisReference(x.unsqueeze(-1).expand([points, d]), this.phaseLow, this.phaseHigh).permute([1, 0, 2]);
        const w = this.weight.reshape([this.outFeatures, d, n]).permute([1, 2, 0]);
        return T.matmul(r, w).permute([2, 0, 1]).contiguous();
      }),
    );
    return { x, y };
  }

  /** Every registered parameter is read by forward. */
  usedParameterCount(): number {
    return this.numParameters();
  }

  /**
   * Analytic forward FLOPs for one sample: per bump two subtractions, two relus, the product
   * and its square (6), and the scale (h = e - s, h^4 by two squarings, 16 / h^4, the multiply:
   * 5), then the dense map and the bias.
   */
  flops(): number {
    const dn = this.inFeatures * this.numBumps;
    return dn * 11 + matmulFlops(dn, this.outFeatures) + this.outFeatures;
  }

  override extraRepr(): string {
    return `${this.inFeatures} -> ${this.outFeatures}, g=${this.gridSize}, k=${this.splineOrder}`;
  }
}
