import * as T from '@nonlinear/tensor';
import { ShapeError, Tensor, ValueError } from '@nonlinear/tensor';
import { checkLayerInput } from '../checks.js';
import { checkInt } from '../options.js';

/** Option checks shared by the variants: each error names the layer, the option and what it allows. */

/** Throws ValueError unless `v` is a finite number (> 0 when `positive`). */
export function checkNumber(layer: string, option: string, v: unknown, positive = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && !(v > 0))) {
    throw new ValueError(`${layer}: ${option} must be a finite number${positive ? ' > 0' : ''}, got ${String(v)}`);
  }
  return v;
}

/** Throws ValueError unless `v` is a boolean. */
export function checkBool(layer: string, option: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ValueError(`${layer}: ${option} must be true or false, got ${String(v)}`);
  return v;
}

/** Throws ValueError unless `v` is [lo, hi] with finite lo < hi. */
export function checkRange(layer: string, option: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((e) => typeof e === 'number' && Number.isFinite(e)) || !(v[0] < v[1])) {
    throw new ValueError(`${layer}: ${option} must be [lo, hi] with finite lo < hi, got ${JSON.stringify(v)}`);
  }
  return [v[0] as number, v[1] as number];
}

/**
 * The evenly spaced centers of FastKAN and FasterKAN: [gridMin, gridMax, numGrids], checked
 * (finite numbers with gridMin < gridMax, an integer numGrids >= 2).
 */
export function checkCenters(layer: string, gridMin: unknown, gridMax: unknown, numGrids: unknown): [number, number, number] {
  const lo = checkNumber(layer, 'gridMin', gridMin);
  const hi = checkNumber(layer, 'gridMax', gridMax);
  const n = checkInt(layer, 'numGrids', numGrids, 2);
  if (!(lo < hi)) throw new ValueError(`${layer}: gridMin must be < gridMax, got ${lo} and ${hi}`);
  return [lo, hi, n];
}

/** Runs f on x flattened to rows [N, D] and gives the result back the leading dims: [..., out]. */
export function overRows(x: Tensor, inFeatures: number, outFeatures: number, f: (rows: Tensor) => Tensor): Tensor {
  return T.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const y = f(x.reshape([-1, inFeatures]));
    return y.reshape([...lead, outFeatures]);
  });
}

/** Checks edgeFunctions' arguments and returns the sample points [points] on the layer's backend. */
export function edgeSamples(layer: string, points: number, range: readonly [number, number], like: Tensor): Tensor {
  checkInt(`${layer}.edgeFunctions`, 'points', points, 2);
  const [lo, hi] = checkRange(`${layer}.edgeFunctions`, 'range', range);
  const step = (hi - lo) / (points - 1);
  return T.tensor(Float64Array.from({ length: points }, (_, i) => (i === points - 1 ? hi : lo + i * step)), { device: like.backend, dtype: like.dtype });
}

/** Checks the points edgeFunctionsAt evaluates at: a live 1-D float tensor on the layer's backend and dtype. */
export function checkEdgePoints(layer: string, u: unknown, like: Tensor): asserts u is Tensor {
  if (!(u instanceof Tensor) || u.ndim !== 1) throw new ShapeError(`${layer}.edgeFunctionsAt: points must be a 1-D tensor, got ${u instanceof Tensor ? `[${u.shape.join(', ')}]` : typeof u}`);
  checkLayerInput(`${layer}.edgeFunctionsAt`, u, like, u.shape[0]!);
}

/**
 * edges[o, i, p] = sum_j coef[o, i, j] basis[p, i, j] for a basis [P, D, n] evaluated at the
 * sample points (per input feature) and coefficients [O, D, n]: one batched matmul over the
 * features.
 */
export function edgeSum(basis: Tensor, coef: Tensor): Tensor {
  return T.tidy(() => T.matmul(basis.permute(1, 0, 2), coef.permute(1, 2, 0)).permute(2, 0, 1).contiguous());
}

/**
 * edgeSum for a layer whose inputs all use the same n basis functions: the basis at the sample
 * points [P, 1, n] is shared by the D inputs of the coefficients [O, D, n].
 */
export function sharedBasisEdges(basis: Tensor, coef: Tensor): Tensor {
  return edgeSum(basis.expand([basis.shape[0]!, coef.shape[1]!, coef.shape[2]!]), coef);
}

/**
 * Fills t with N(0, std^2) truncated to [a, b] (`torch.nn.init.trunc_normal_`, whose default
 * bounds -2, 2 are absolute, not in units of std): values outside are redrawn, eight rounds on
 * the device (each leaves a fraction P(outside) of them; the few left after that are clamped).
 * Bounds 6 std or more away need no redraw (P(outside) < 2e-9; fast-kan's std 0.1 is 20 std).
 */
export function truncNormal_(t: Tensor, std: number, a = -2, b = 2): Tensor {
  T.noGrad(() => {
    const v = T.tidy(() => {
      let x = T.randn(t.shape as number[], { device: t.backend, dtype: t.dtype, std });
      const rounds = Math.min(-a, b) >= 6 * std ? 0 : 8;
      for (let round = 0; round < rounds; round++) {
        const redraw = T.randn(t.shape as number[], { device: t.backend, dtype: t.dtype, std });
        x = T.where(x.ge(a).logicalAnd(x.le(b)), x, redraw);
      }
      return x.clamp(a, b);
    });
    T.updateInPlace('truncNormal_', [t], [v], (e) => [e]);
    v.dispose();
  });
  return t;
}
