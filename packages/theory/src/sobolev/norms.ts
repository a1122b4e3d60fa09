import { ValueError } from '@nonlinear/tensor';
import { evaluateModel, seededUniform, type EvaluateOptions, type ModelFn } from './evaluate.js';
import { gridPoints, gridSide, haltonPoints } from './points.js';
import type { SobolevTarget } from './targets.js';

/**
 * Error norms of a model against a target on [0, 1]^d, e = model - f:
 *
 * - sup |e|: the max over a tensor-product grid and the QMC points, then a local refinement from
 *   the worst points (compass search: try +-step along each axis, halve the step when nothing
 *   improves). With the input gradients, an estimated upper bound is reported too:
 *   `sup + L h sqrt(d) / 2`, where h is the grid spacing (every point of the cube is within
 *   h sqrt(d) / 2 of a grid point) and L the largest |grad e| seen on the grid (an estimate of the
 *   Lipschitz constant, not a proof).
 * - L2: sqrt of the QMC mean of e^2 over R randomly shifted Halton point sets (Cranley-Patterson
 *   rotations); the replicates' spread gives a standard error (delta method for the sqrt).
 * - W^{1,inf} = max(sup |e|, max_i sup |d_i e|) with the derivative sups over the grid and the QMC
 *   points (no refinement: the gradient of a ReLU network jumps, local search does not help);
 *   W^{1,2} = sqrt(mean(e^2 + |grad e|^2)) over the shifted QMC sets, with its standard error.
 *   Model gradients come from autograd, the target's from its closed form.
 */

/** Options of {@link errorNorms}. */
export interface ErrorNormOptions extends EvaluateOptions {
  /** At most this many grid points (m^d with the largest m that fits; default 4096). */
  gridBudget?: number;
  /** Halton points per replicate (default 1024). */
  qmcPoints?: number;
  /** Randomly shifted replicates of the Halton set (default 4; >= 2 for a standard error). */
  replicates?: number;
  /** Worst points refined by local search (default 8). */
  refineTop?: number;
  /** Iterations of the local search; the step starts at half the grid spacing and halves whenever no start improves (default 20). */
  refineSteps?: number;
  /** Compute the W^{1,inf} and W^{1,2} errors (input gradients by autograd; default true). */
  gradients?: boolean;
  /** Seed of the random shifts (default 0). */
  seed?: number;
}

/** How many points the estimators evaluated. */
export interface ErrorNormPoints {
  /** Grid points. */
  grid: number;
  /** Halton points, all replicates together. */
  qmc: number;
  /** Evaluations of the local search. */
  refine: number;
}

/** The measured error norms and how many points each used. */
export interface ErrorNorms {
  /** sup |e| after local refinement. */
  sup: number;
  /** The max before refinement (grid and QMC points). */
  supSampled: number;
  /** Where the refined sup was found. */
  supAt: number[];
  /** sup + L h sqrt(d) / 2 with L the largest |grad e| seen (null without gradients). */
  supBound: number | null;
  /** The L2 error over [0, 1]^d. */
  l2: number;
  /** Standard error of l2 over the shifted replicates (NaN with one replicate). */
  l2Stderr: number;
  /** The W^{1,inf} error (null without gradients). */
  w1inf: number | null;
  /** The W^{1,2} error (null without gradients). */
  w12: number | null;
  /** Standard error of w12 (null without gradients). */
  w12Stderr: number | null;
  /** Points used. */
  points: ErrorNormPoints;
}

const positiveInt = (name: string, v: number): void => {
  if (!Number.isInteger(v) || v < 1) throw new ValueError(`errorNorms: ${name} must be a positive integer, got ${v}`);
};

/** Mean and standard error of the mean. */
function meanSe(xs: readonly number[]): { mean: number; se: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean: m, se: NaN };
  const v = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, se: Math.sqrt(v / xs.length) };
}

/** Error norms of `model` against `target` (see the file comment for the estimators). */
export async function errorNorms(model: ModelFn, target: SobolevTarget, options: ErrorNormOptions = {}): Promise<ErrorNorms> {
  const d = target.dim;
  const gridBudget = options.gridBudget ?? 4096;
  const qmc = options.qmcPoints ?? 1024;
  const reps = options.replicates ?? 4;
  const top = options.refineTop ?? 8;
  const halvings = options.refineSteps ?? 20;
  const withGrad = options.gradients ?? true;
  for (const [k, v] of [['gridBudget', gridBudget], ['qmcPoints', qmc], ['replicates', reps], ['refineTop', top], ['refineSteps', halvings]] as const) positiveInt(k, v);
  const evalOpts = { device: options.device, dtype: options.dtype, chunk: options.chunk, gradient: withGrad };

  // The error and its gradient at a point set.
  const errorAt = async (pts: Float64Array, gradient: boolean): Promise<{ e: Float64Array; ge: Float64Array | null }> => {
    const m = await evaluateModel(model, pts, d, { ...evalOpts, gradient });
    const f = target.value(pts);
    const e = m.values.map((v, j) => v - f[j]!);
    let ge: Float64Array | null = null;
    if (gradient && m.gradients) {
      const gf = target.gradient(pts);
      ge = m.gradients.map((v, j) => v - gf[j]!);
    }
    return { e, ge };
  };

  const side = gridSide(gridBudget, d);
  const grid = gridPoints(side, d);
  const h = 1 / (side - 1);
  const onGrid = await errorAt(grid, withGrad);

  // Shifted Halton replicates: the L2 and W^{1,2} integrals and more candidates for the sups.
  const shifts = await seededUniform(options.seed ?? 0, reps * d, options.device);
  const l2Reps: number[] = [];
  const w12Reps: number[] = [];
  let supSampled = 0;
  let supIdx = -1;
  let supPts = grid;
  let gradSup = 0;
  let lip = 0;
  const scan = (pts: Float64Array, e: Float64Array, ge: Float64Array | null): void => {
    for (let j = 0; j < e.length; j++) {
      const a = Math.abs(e[j]!);
      if (a > supSampled || supIdx < 0) {
        supSampled = a;
        supIdx = j;
        supPts = pts;
      }
      if (ge) {
        let s = 0;
        for (let i = 0; i < d; i++) {
          const g = ge[j * d + i]!;
          gradSup = Math.max(gradSup, Math.abs(g));
          s += g * g;
        }
        lip = Math.max(lip, Math.sqrt(s));
      }
    }
  };
  scan(grid, onGrid.e, onGrid.ge);
  const candidates: { pts: Float64Array; e: Float64Array }[] = [{ pts: grid, e: onGrid.e }];
  for (let r = 0; r < reps; r++) {
    const pts = haltonPoints(qmc, d, { shift: Array.from(shifts.subarray(r * d, (r + 1) * d)) });
    const { e, ge } = await errorAt(pts, withGrad);
    scan(pts, e, ge);
    candidates.push({ pts, e });
    let s2 = 0;
    let g2 = 0;
    for (let j = 0; j < qmc; j++) {
      s2 += e[j]! * e[j]!;
      if (ge) for (let i = 0; i < d; i++) g2 += ge[j * d + i]! ** 2;
    }
    l2Reps.push(s2 / qmc);
    w12Reps.push((s2 + g2) / qmc);
  }

  // Local refinement from the `top` worst sampled points.
  const starts: { x: number[]; v: number }[] = [];
  for (const c of candidates) {
    for (let j = 0; j < c.e.length; j++) {
      const v = Math.abs(c.e[j]!);
      if (starts.length < top || v > starts[starts.length - 1]!.v) {
        starts.push({ x: Array.from(c.pts.subarray(j * d, (j + 1) * d)), v });
        starts.sort((a, b) => b.v - a.v);
        if (starts.length > top) starts.pop();
      }
    }
  }
  let step = h / 2;
  let refineEvals = 0;
  for (let it = 0; it < halvings; it++) {
    // Every start tries +-step along each axis in one batched evaluation.
    const trial = new Float64Array(starts.length * 2 * d * d);
    starts.forEach((s, k) => {
      for (let a = 0; a < 2 * d; a++) {
        const base = (k * 2 * d + a) * d;
        for (let i = 0; i < d; i++) trial[base + i] = s.x[i]!;
        const axis = a >> 1;
        trial[base + axis] = Math.min(1, Math.max(0, s.x[axis]! + (a & 1 ? -step : step)));
      }
    });
    const { e } = await errorAt(trial, false);
    refineEvals += e.length;
    let moved = false;
    starts.forEach((s, k) => {
      for (let a = 0; a < 2 * d; a++) {
        const v = Math.abs(e[k * 2 * d + a]!);
        if (v > s.v) {
          s.v = v;
          s.x = Array.from(trial.subarray((k * 2 * d + a) * d, (k * 2 * d + a + 1) * d));
          moved = true;
        }
      }
    });
    if (!moved) step /= 2;
  }
  const best = starts.reduce((a, b) => (b.v > a.v ? b : a), { x: Array.from(supPts.subarray(supIdx * d, (supIdx + 1) * d)), v: supSampled });

  const l2 = meanSe(l2Reps);
  const w12 = meanSe(w12Reps);
  const l2v = Math.sqrt(l2.mean);
  const w12v = Math.sqrt(w12.mean);
  return {
    sup: best.v,
    supSampled,
    supAt: best.x,
    supBound: withGrad ? best.v + (lip * h * Math.sqrt(d)) / 2 : null,
    l2: l2v,
    l2Stderr: l2v > 0 ? l2.se / (2 * l2v) : NaN,
    w1inf: withGrad ? Math.max(best.v, gradSup) : null,
    w12: withGrad ? w12v : null,
    w12Stderr: withGrad ? (w12v > 0 ? w12.se / (2 * w12v) : NaN) : null,
    points: { grid: grid.length / d, qmc: qmc * reps, refine: refineEvals },
  };
}
