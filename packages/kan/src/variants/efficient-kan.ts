import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import { Module, kaimingUniform_, type LayerOptions } from '@nonlinear/nn';
import type { EdgeFunctionSamples, KANLayer } from '../layer.js';
import { bsplineBasis, bsplineBasisReference, uniformKnots } from './basis/bspline.js';
import { checkLayerInput } from '../checks.js';
import { checkInt, checkKeys } from '../options.js';
import { checkBool, checkEdgePoints, checkNumber, checkRange, edgeSamples, edgeSum, overRows } from './common.js';
import { bsplineRow, leastSquares, refitSpline } from './spline/host.js';
import { scaleRows } from './spline/scale.js';
import { bsplineFlops } from './flops.js';
import { matmulFlops } from '../flops.js';

/** Options of {@link EfficientKANLayer} (efficient-kan's `KANLinear` arguments, camelCase). */
export interface EfficientKANOptions extends LayerOptions {
  /** Grid intervals g over gridRange (default 5). */
  gridSize?: number;
  /** B-spline order k (default 3, cubic); the layer has g + k bases per input. */
  splineOrder?: number;
  /** Amplitude of the random initial spline curves (default 0.1). */
  scaleNoise?: number;
  /** Scales the kaiming bound of base_weight: a = sqrt(5) scaleBase (default 1). */
  scaleBase?: number;
  /** Scales the kaiming bound of spline_scaler (or the initial splines without it; default 1). */
  scaleSpline?: number;
  /** Learn a standalone per-edge spline scaler S (default true). */
  enableStandaloneScaleSpline?: boolean;
  /** Weight of the uniform grid against the sample quantiles in {@link EfficientKANLayer.updateGrid} (default 0.02). */
  gridEps?: number;
  /** The initial grid's interval [lo, hi] (default [-1, 1]). */
  gridRange?: [number, number];
  /** Run the fused basis kernels (default true); false runs their composition. */
  fused?: boolean;
}

const OPTION_KEYS = ['device', 'dtype', 'gridSize', 'splineOrder', 'scaleNoise', 'scaleBase', 'scaleSpline', 'enableStandaloneScaleSpline', 'gridEps', 'gridRange', 'fused'];

/**
 * EfficientKAN (Blealtan/efficient-kan): `y = W_b silu(x) + (W_s * S) vec(B(x))`, B the order-k
 * B-splines of each input on its own knot grid (g intervals over gridRange extended by k knots
 * each side: g + k bases), S a standalone per-edge spline scaler. Registers, with efficient-kan's
 * names, the buffer `grid` [in, g + 2k + 1] and the parameters `base_weight` [out, in],
 * `spline_weight` [out, in, g + k] and `spline_scaler` [out, in] (without the scaler when
 * enableStandaloneScaleSpline is false); all are used in forward. 784-64-10 with the defaults has
 * 508,160 parameters.
 *
 * The basis is one fused kernel (Cox-de Boor unrolled per element), the output maps are two
 * matmuls. Grid update from samples ({@link EfficientKANLayer.updateGrid}), pykan-style grid
 * extension ({@link EfficientKANLayer.extendGrid}) and efficient-kan's L1 + entropy regulariser
 * ({@link EfficientKANLayer.regularizationLoss}) refit or read the splines.
 */
export class EfficientKANLayer extends Module implements KANLayer {
  /** Width of the input's last dim. */
  readonly inFeatures: number;
  /** Width of the output's last dim. */
  readonly outFeatures: number;
  /** B-spline order k. */
  readonly splineOrder: number;
  /** See {@link EfficientKANOptions.scaleNoise}. */
  readonly scaleNoise: number;
  /** See {@link EfficientKANOptions.scaleBase}. */
  readonly scaleBase: number;
  /** See {@link EfficientKANOptions.scaleSpline}. */
  readonly scaleSpline: number;
  /** Whether the layer has the standalone spline scaler. */
  readonly enableStandaloneScaleSpline: boolean;
  /** See {@link EfficientKANOptions.gridEps}. */
  readonly gridEps: number;
  /** The initial grid interval. */
  readonly gridRange: readonly [number, number];
  /** Whether forward runs the fused basis kernels. */
  fused: boolean;
  /** Knots per input [in, g + 2k + 1] (a buffer: moved by updateGrid and extendGrid, not trained). */
  grid: Tensor;
  /** W_b [out, in]. */
  baseWeight: Tensor;
  /** W_s [out, in, g + k]. */
  splineWeight: Tensor;
  /** S [out, in], or null without the standalone scaler. */
  splineScaler: Tensor | null = null;
  private gridSizeNow: number;
  /** The edge functions' default domain: from the smallest first interior knot to the largest last one. */
  private interior: [number, number];

  constructor(inFeatures: number, outFeatures: number, options: EfficientKANOptions = {}) {
    super();
    const L = 'EfficientKANLayer';
    checkKeys(L, options, OPTION_KEYS);
    this.inFeatures = checkInt(L, 'inFeatures', inFeatures, 1);
    this.outFeatures = checkInt(L, 'outFeatures', outFeatures, 1);
    this.gridSizeNow = checkInt(L, 'gridSize', options.gridSize ?? 5, 1);
    this.splineOrder = checkInt(L, 'splineOrder', options.splineOrder ?? 3, 0);
    this.scaleNoise = checkNumber(L, 'scaleNoise', options.scaleNoise ?? 0.1);
    this.scaleBase = checkNumber(L, 'scaleBase', options.scaleBase ?? 1);
    this.scaleSpline = checkNumber(L, 'scaleSpline', options.scaleSpline ?? 1);
    this.enableStandaloneScaleSpline = checkBool(L, 'enableStandaloneScaleSpline', options.enableStandaloneScaleSpline ?? true);
    this.gridEps = checkNumber(L, 'gridEps', options.gridEps ?? 0.02);
    if (this.gridEps < 0 || this.gridEps > 1) throw new ValueError(`${L}: gridEps must be in [0, 1], got ${this.gridEps}`);
    this.gridRange = Object.freeze(checkRange(L, 'gridRange', options.gridRange ?? [-1, 1]));
    this.fused = checkBool(L, 'fused', options.fused ?? true);
    const opts = { device: options.device, dtype: options.dtype ?? 'float32' };
    const [D, O, g, k] = [inFeatures, outFeatures, this.gridSizeNow, this.splineOrder];
    const n = g + k;
    const knots = uniformKnots(g, k, this.gridRange[0], this.gridRange[1]);
    const G = knots.length;
    const gridData = new Float64Array(D * G);
    for (let i = 0; i < D; i++) gridData.set(knots, i * G);
    this.interior = [this.gridRange[0], this.gridRange[1]];
    this.grid = this.registerBuffer('grid', T.tensor(gridData, { ...opts, shape: [D, G] }));
    this.baseWeight = this.registerParameter('base_weight', kaimingUniform_(T.zeros([O, D], opts), { a: Math.sqrt(5) * this.scaleBase }));
    // efficient-kan's init: random curves of amplitude scaleNoise / g at the g + 1 interior knots,
    // turned into coefficients by least squares (underdetermined: g + 1 samples, g + k
    // unknowns, so the minimum-norm solution, as torch.linalg.lstsq gives).
    const noise = T.rand([g + 1, D, O], { device: 'cpu', dtype: 'float64' });
    const u = noise.dataSync();
    noise.dispose();
    const a = new Float64Array((g + 1) * n);
    for (let s = 0; s <= g; s++) bsplineRow(knots[k + s]!, knots, 0, G, k, a.subarray(s * n, (s + 1) * n));
    const factor = this.enableStandaloneScaleSpline ? 1 : this.scaleSpline;
    const w = new Float64Array(O * D * n);
    const y = new Float64Array((g + 1) * O);
    for (let i = 0; i < D; i++) {
      for (let s = 0; s <= g; s++) for (let o = 0; o < O; o++) y[s * O + o] = ((u[(s * D + i) * O + o]! - 0.5) * this.scaleNoise) / g;
      const c = leastSquares(a, g + 1, n, y, O);
      for (let o = 0; o < O; o++) for (let j = 0; j < n; j++) w[(o * D + i) * n + j] = factor * c[j * O + o]!;
    }
    this.splineWeight = this.registerParameter('spline_weight', T.tensor(w, { ...opts, shape: [O, D, n] }));
    if (this.enableStandaloneScaleSpline) {
      this.splineScaler = this.registerParameter('spline_scaler', kaimingUniform_(T.zeros([O, D], opts), { a: Math.sqrt(5) * this.scaleSpline }));
    }
  }

  /** Grid intervals g (changed by {@link EfficientKANLayer.extendGrid}). */
  get gridSize(): number {
    return this.gridSizeNow;
  }

  private get name(): string {
    return `EfficientKANLayer(${this.inFeatures} -> ${this.outFeatures})`;
  }

  private basis(rows: Tensor): Tensor {
    return this.fused ? bsplineBasis(rows, this.grid, this.splineOrder) : bsplineBasisReference(rows, this.grid, this.splineOrder);
  }

  /** W_s * S [out, in, g + k] (efficient-kan's `scaled_spline_weight`), a new tensor. */
  scaledSplineWeight(): Tensor {
    return this.splineScaler ? scaleRows(this.splineWeight, this.splineScaler) : this.splineWeight.mul(1);
  }

  /** [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    checkLayerInput(this.name, x, this.baseWeight, this.inFeatures);
    const [D, O] = [this.inFeatures, this.outFeatures];
    const n = this.gridSizeNow + this.splineOrder;
    return overRows(x, D, O, (rows) => {
      const N = rows.shape[0]!;
      const spline = T.matmul(this.basis(rows).reshape([N, D * n]), this.scaledSplineWeight().reshape([O, D * n]).mT);
      return spline.add(T.matmul(rows.silu(), this.baseWeight.mT));
    });
  }

  /** Every parameter is read by forward. */
  usedParameterCount(): number {
    return this.numParameters();
  }

  /** Forward FLOPs per sample: silu, the spline bases, the two matmuls and their sum (see the README's conventions). */
  flops(): number {
    const [D, O, g, k] = [this.inFeatures, this.outFeatures, this.gridSizeNow, this.splineOrder];
    return D * 4 + D * bsplineFlops(g, k) + matmulFlops(D * (g + k), O) + matmulFlops(D, O) + O;
  }

  /**
   * phi_{o,i}(u) = W_b[o,i] silu(u) + sum_j (W_s S)[o,i,j] B_j(u) at the points u [P] on every
   * input's grid: [out, in, P]. The layer's output is sum_i phi_{o,i}(x_i) exactly.
   */
  edgeFunctionsAt(points: Tensor): Tensor {
    checkEdgePoints(this.name, points, this.baseWeight);
    return T.tidy(() => {
      const P = points.shape[0]!;
      const basis = this.basis(points.reshape([P, 1]).expand([P, this.inFeatures]));
      return edgeSum(basis, this.scaledSplineWeight()).add(this.baseWeight.unsqueeze(-1).mul(points.silu()));
    });
  }

  /**
   * Samples every edge function on `points` inputs spanning `range` (default: the grid's interior,
   * [-1, 1] before any grid update): x [points] and y [out, in, points].
   */
  edgeFunctions(points: number, range: readonly [number, number] = this.interior): EdgeFunctionSamples {
    const x = edgeSamples(this.name, points, range, this.baseWeight);
    return { x, y: this.edgeFunctionsAt(x) };
  }

  /**
   * efficient-kan's regulariser: with l1[o,i] = mean_j |spline_weight[o,i,j]|,
   * `regActivation * sum(l1) + regEntropy * (-sum p log p)`, p = l1 / sum(l1). A scalar that
   * takes part in autograd.
   */
  regularizationLoss(regActivation = 1, regEntropy = 1): Tensor {
    checkNumber(`${this.name}.regularizationLoss`, 'regActivation', regActivation);
    checkNumber(`${this.name}.regularizationLoss`, 'regEntropy', regEntropy);
    return T.tidy(() => {
      const l1 = this.splineWeight.abs().mean(-1);
      const act = l1.sum();
      const p = l1.div(act);
      const entropy = p.mul(p.log()).sum().neg();
      return act.mul(regActivation).add(entropy.mul(regEntropy));
    });
  }

  /**
   * efficient-kan's grid update from samples x [..., in]: each input's new g + 1 interior knots
   * are `gridEps * uniform + (1 - gridEps) * quantiles` of its samples (the uniform grid spans
   * [min - margin, max + margin]), extended by k knots each side at the uniform spacing; the
   * splines are then refit so that each edge function keeps its values at the samples (least
   * squares, see {@link EfficientKANLayer.extendGrid} for how it is solved). Unlike efficient-kan,
   * the refit is of W_s alone: efficient-kan fits the scaled W_s S into W_s, so S is applied twice
   * after its update. In place: optimizers keep their handles.
   */
  async updateGrid(x: Tensor, margin = 0.01): Promise<void> {
    checkLayerInput(`${this.name}.updateGrid`, x, this.baseWeight, this.inFeatures);
    checkNumber(`${this.name}.updateGrid`, 'margin', margin);
    const { samples, count } = await this.samplesOf(x);
    const g = this.gridSizeNow;
    const newGrid = adaptiveKnots(samples, count, this.inFeatures, g, this.splineOrder, this.gridEps, margin);
    const coef = await this.refit(samples, count, newGrid, g);
    T.noGrad(() => {
      const gt = T.tensor(newGrid, { device: this.grid.backend, dtype: this.grid.dtype, shape: this.grid.shape });
      const wt = T.tensor(coef, { device: this.splineWeight.backend, dtype: this.splineWeight.dtype, shape: this.splineWeight.shape });
      T.updateInPlace('updateGrid', [this.grid], [gt], (v) => [v]);
      T.updateInPlace('updateGrid', [this.splineWeight], [wt], (v) => [v]);
      T.dispose([gt, wt]);
    });
    this.interior = interiorOf(newGrid, this.inFeatures, g, this.splineOrder);
  }

  /**
   * pykan's grid extension: moves the layer to a grid of `newGridSize` intervals and refits the
   * spline coefficients by least squares to the old edge functions' values, so the layer's
   * output is preserved (exactly, up to rounding, where the new knots contain the old ones:
   * g' a multiple of g on a uniform grid). Without x, the new grid is uniform over each input's
   * current interior [t_k, t_{g+k}] and the fit uses 10 g' + 1 evenly spaced points there; with
   * samples x [..., in], the new grid is placed from them as {@link EfficientKANLayer.updateGrid}
   * places it and the fit uses them.
   *
   * The least squares run on the host in float64, per input feature: the normal equations
   * (A^T A + lambda I) C = A^T A_old C_old with a relative ridge lambda = 1e-10 tr(A^T A)/n,
   * solved by Cholesky. This is what keeps it stable where efficient-kan's
   * `torch.linalg.lstsq` is not (its CUDA driver assumes full rank): a basis no sample reaches
   * is a zero column, whose coefficient the ridge sends to 0 instead of dividing by zero, and
   * float64 absorbs the squared condition number of these small (g + k unknowns) systems.
   *
   * `spline_weight` and `grid` are replaced by tensors of the new shapes (the old ones are
   * disposed), so an optimizer built before must be built again.
   */
  async extendGrid(newGridSize: number, x?: Tensor): Promise<void> {
    const L = `${this.name}.extendGrid`;
    checkInt(L, 'newGridSize', newGridSize, 1);
    const [D, k] = [this.inFeatures, this.splineOrder];
    let samples: Float64Array;
    let count: number;
    let newGrid: Float64Array;
    if (x !== undefined) {
      checkLayerInput(L, x, this.baseWeight, D);
      ({ samples, count } = await this.samplesOf(x));
      newGrid = adaptiveKnots(samples, count, D, newGridSize, k, this.gridEps, 0.01);
    } else {
      const old = await this.grid.data();
      const G = this.grid.shape[1]!;
      const G2 = newGridSize + 2 * k + 1;
      count = 10 * newGridSize + 1;
      samples = new Float64Array(count * D);
      newGrid = new Float64Array(D * G2);
      for (let i = 0; i < D; i++) {
        const lo = old[i * G + k]!;
        const hi = old[i * G + this.gridSizeNow + k]!;
        newGrid.set(uniformKnots(newGridSize, k, lo, hi), i * G2);
        for (let s = 0; s < count; s++) samples[s * D + i] = lo + ((hi - lo) * s) / (count - 1);
      }
    }
    const coef = await this.refit(samples, count, newGrid, newGridSize);
    const O = this.outFeatures;
    const oldGrid = this.grid;
    const oldWeight = this.splineWeight;
    this.grid = this.registerBuffer('grid', T.tensor(newGrid, { device: oldGrid.backend, dtype: oldGrid.dtype, shape: [D, newGridSize + 2 * k + 1] }));
    this.splineWeight = this.registerParameter('spline_weight', T.tensor(coef, { device: oldWeight.backend, dtype: oldWeight.dtype, shape: [O, D, newGridSize + k] }));
    T.dispose([oldGrid, oldWeight]);
    this.gridSizeNow = newGridSize;
    this.interior = interiorOf(newGrid, D, newGridSize, k);
  }

  /** x's rows as float64 samples [count, in]. */
  private async samplesOf(x: Tensor): Promise<{ samples: Float64Array; count: number }> {
    const data = await x.data();
    const count = data.length / this.inFeatures;
    if (count < 1) throw new ValueError(`${this.name}: the grid needs at least one sample, got an empty x`);
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) throw new ValueError(`${this.name}: the samples hold ${data[i]} (NaN or Inf) at element ${i}`);
    return { samples: Float64Array.from(data), count };
  }

  /**
   * New spline_weight [out, in, g2 + k] on newGrid [in, g2 + 2k + 1] whose edge functions match
   * the current ones at the samples (unscaled W_s: S is per edge and stays as it is).
   */
  private async refit(samples: Float64Array, count: number, newGrid: Float64Array, g2: number): Promise<Float64Array> {
    const [D, O, k] = [this.inFeatures, this.outFeatures, this.splineOrder];
    const old = await this.grid.data();
    const w = await this.splineWeight.data();
    const G = this.grid.shape[1]!;
    const n0 = G - k - 1;
    const G2 = g2 + 2 * k + 1;
    const n = g2 + k;
    const out = new Float64Array(O * D * n);
    const a = new Float64Array(count * n);
    const a0 = new Float64Array(count * n0);
    const c0 = new Float64Array(n0 * O);
    for (let i = 0; i < D; i++) {
      for (let s = 0; s < count; s++) {
        const v = samples[s * D + i]!;
        bsplineRow(v, newGrid, i * G2, G2, k, a.subarray(s * n, (s + 1) * n));
        bsplineRow(v, old, i * G, G, k, a0.subarray(s * n0, (s + 1) * n0));
      }
      for (let j = 0; j < n0; j++) for (let o = 0; o < O; o++) c0[j * O + o] = w[(o * D + i) * n0 + j]!;
      const c = refitSpline(a, count, n, a0, n0, c0, O);
      for (let o = 0; o < O; o++) for (let j = 0; j < n; j++) out[(o * D + i) * n + j] = c[j * O + o]!;
    }
    return out;
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, gridSize=${this.gridSizeNow}, splineOrder=${this.splineOrder}, fused=${this.fused}`;
  }
}

/**
 * efficient-kan's update_grid knots for samples [count, D]: per input, the g + 1 interior knots
 * `eps * uniform + (1 - eps) * sorted[floor(s (count - 1) / g)]`, the uniform ones spanning
 * [min - margin, max + margin], extended by k knots each side at the uniform step: [D, g + 2k + 1].
 */
export function adaptiveKnots(samples: Float64Array, count: number, D: number, g: number, k: number, eps: number, margin: number): Float64Array {
  const G = g + 2 * k + 1;
  const out = new Float64Array(D * G);
  const col = new Float64Array(count);
  for (let i = 0; i < D; i++) {
    for (let s = 0; s < count; s++) col[s] = samples[s * D + i]!;
    col.sort();
    const step = (col[count - 1]! - col[0]! + 2 * margin) / g;
    for (let s = 0; s <= g; s++) {
      const adaptive = col[Math.floor((s * (count - 1)) / g)]!;
      const uniform = s * step + col[0]! - margin;
      out[i * G + k + s] = eps * uniform + (1 - eps) * adaptive;
    }
    for (let m = 1; m <= k; m++) {
      out[i * G + k - m] = out[i * G + k]! - step * m;
      out[i * G + k + g + m] = out[i * G + k + g]! + step * m;
    }
  }
  return out;
}

function interiorOf(grid: Float64Array, D: number, g: number, k: number): [number, number] {
  const G = g + 2 * k + 1;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < D; i++) {
    lo = Math.min(lo, grid[i * G + k]!);
    hi = Math.max(hi, grid[i * G + k + g]!);
  }
  return [lo, hi];
}
