import {
  abs, concat, keep, max, mul, neg, noGrad, stack, sub, sum, Tensor, tidy, ValueError, zeros,
} from '@nonlinear/tensor';
import { add, fusedUpdate, mul as mulE, sub as subE } from './fused.js';
import { Optimizer, type ParamGroup, type ParamGroupSpec, type ParamState } from './optimizer.js';

/**
 * Options of {@link LBFGS} (torch.optim.LBFGS's arguments, camelCased; `lineSearch: 'strongWolfe'`
 * is `line_search_fn='strong_wolfe'`).
 */
export interface LBFGSOptions {
  /** Step length (default 1). */
  lr?: number;
  /** Iterations per step() call (default 20). */
  maxIter?: number;
  /** Closure evaluations per step() call (default floor(maxIter * 5 / 4)). */
  maxEval?: number;
  /** Stop when the largest absolute gradient element is at most this (default 1e-7). */
  toleranceGrad?: number;
  /** Stop when the loss or the parameters change by less than this (default 1e-9). */
  toleranceChange?: number;
  /** Curvature pairs kept (default 100). */
  historySize?: number;
  /** 'strongWolfe' for a line search satisfying the strong Wolfe conditions; null (default) for fixed steps of lr. */
  lineSearch?: 'strongWolfe' | null;
}

/** The L-BFGS parameter group's hyper-parameters, every option filled in. */
export interface LBFGSHyper {
  /** Step length. */
  lr: number;
  /** Iterations per step() call. */
  maxIter: number;
  /** Closure evaluations per step() call. */
  maxEval: number;
  /** Gradient tolerance (max absolute element). */
  toleranceGrad: number;
  /** Loss and parameter change tolerance. */
  toleranceChange: number;
  /** Curvature pairs kept. */
  historySize: number;
  /** The line search, or null for fixed steps. */
  lineSearch: 'strongWolfe' | null;
}

/**
 * Re-evaluates the objective: zero the gradients, compute the loss, call backward, and return
 * the loss (a one-element tensor, which the optimizer reads and disposes, or a number).
 */
export type Closure = () => Tensor | number | Promise<Tensor | number>;

/** One point of the line search: step t, loss f, flat gradient g, directional derivative gtd, max |g|. */
interface Point {
  t: number;
  f: number;
  g: Tensor;
  gtd: number;
  gmax: number;
}

/**
 * The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
 * `bounds` (default: between the points); the midpoint of the bounds when the cubic has no minimum.
 */
export function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: readonly [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const disc = d1 * d1 - g1 * g2;
  if (!(disc >= 0)) return (lo + hi) / 2;
  const d2 = Math.sqrt(disc);
  // Measured from the farther point: the formula is symmetric under swapping the points.
  const at = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(at, lo), hi);
}

/**
 * L-BFGS (limited-memory BFGS) with PyTorch's algorithm (after minFunc): the two-loop recursion
 * over the last `historySize` curvature pairs, scaled by y's / y'y, with fixed steps or a line
 * search satisfying the strong Wolfe conditions (bracketing by cubic interpolation, then zoom).
 *
 * All parameters form one flat vector (they must share a dtype and a backend); directions,
 * histories and the two-loop recursion stay on the device, dot products are sum(mul). Only the
 * scalars the algorithm branches on (loss, g'd, y's, max |g|) are read back, a few per
 * iteration, batched into one read where possible. `step(closure)` is therefore async.
 * One parameter group only, as in PyTorch.
 */
export class LBFGS extends Optimizer<LBFGSHyper> {
  private readonly flatParams: Tensor[];
  private readonly numel: number;

  constructor(params: Iterable<Tensor>, options: LBFGSOptions = {}) {
    const maxIter = options.maxIter ?? 20;
    super(params, {
      lr: options.lr ?? 1,
      maxIter,
      maxEval: options.maxEval ?? Math.floor((maxIter * 5) / 4),
      toleranceGrad: options.toleranceGrad ?? 1e-7,
      toleranceChange: options.toleranceChange ?? 1e-9,
      historySize: options.historySize ?? 100,
      lineSearch: options.lineSearch ?? null,
    });
    this.flatParams = this.paramGroups[0]!.params;
    const first = this.flatParams[0]!;
    for (const p of this.flatParams) {
      if (p.dtype !== first.dtype || p.backend !== first.backend) {
        throw new ValueError(`LBFGS: all parameters must share one dtype and backend (got ${first.dtype} on ${first.device} and ${p.dtype} on ${p.device})`);
      }
    }
    this.numel = this.flatParams.reduce((a, p) => a + p.size, 0);
  }

  /** LBFGS has one group: adding a second raises. */
  override addParamGroup(spec: ParamGroupSpec<LBFGSHyper>): void {
    if (this.paramGroups.length > 0) throw new ValueError("LBFGS: doesn't support parameter groups (there can be only one)");
    super.addParamGroup(spec);
  }

  protected override validateGroup(g: ParamGroup<LBFGSHyper>): void {
    super.validateGroup(g);
    for (const k of ['maxIter', 'maxEval', 'historySize'] as const) {
      if (!Number.isInteger(g[k]) || g[k] <= 0) throw new ValueError(`LBFGS: ${k} must be a positive integer, got ${g[k]}`);
    }
    if (g.lineSearch !== null && g.lineSearch !== 'strongWolfe') throw new ValueError(`LBFGS: lineSearch must be 'strongWolfe' or null, got '${String(g.lineSearch)}'`);
  }

  private get dtype(): 'float32' | 'float64' {
    return this.flatParams[0]!.dtype as 'float32' | 'float64';
  }

  /** All gradients as one new flat vector (zeros for parameters without a gradient). */
  private gatherFlatGrad(): Tensor {
    const first = this.flatParams[0]!;
    return noGrad(() =>
      tidy(() => concat(this.flatParams.map((p) => (p.grad ? p.grad.reshape(-1) : zeros([p.size], { dtype: p.dtype, device: first.backend }))))),
    );
  }

  /** p = base + t * d for every parameter (base defaults to the parameters themselves). */
  private setParams(base: readonly Tensor[] | null, t: number, d: Tensor): void {
    noGrad(() => {
      let off = 0;
      this.flatParams.forEach((p, i) => {
        const n = p.size;
        const at = off;
        tidy(() => {
          const di = d.narrow(0, at, n).reshape(p.shape as number[]);
          fusedUpdate('LBFGS.step', [p], { x: base ? base[i]! : p, d: di, t }, (x) => [add(x.x, mulE(x.t, x.d))]);
        });
        off += n;
      });
    });
  }

  /** Reads several scalars (0-d tensors or numbers) with one round trip, disposing the tensors. */
  private async read(values: readonly (Tensor | number)[]): Promise<number[]> {
    const tensors = values.filter((v): v is Tensor => v instanceof Tensor);
    let got: number[] = [];
    if (tensors.length > 0) {
      const all = noGrad(() => tidy(() => stack(tensors.map((t) => t.reshape([]).astype(this.dtype)))));
      try {
        got = Array.from(await all.data());
      } finally {
        all.dispose();
        for (const t of tensors) t.dispose();
      }
    }
    let k = 0;
    return values.map((v) => (v instanceof Tensor ? got[k++]! : v));
  }

  private dot(a: Tensor, b: Tensor): Tensor {
    return noGrad(() => tidy(() => sum(mul(a, b))));
  }

  private absMax(a: Tensor): Tensor {
    return noGrad(() => tidy(() => max(abs(a))));
  }

  private async evaluate(closure: Closure): Promise<Tensor | number> {
    const loss = await closure();
    if (loss instanceof Tensor) {
      if (loss.size !== 1) throw new ValueError(`LBFGS: the closure must return a one-element loss, got shape [${loss.shape.join(', ')}]`);
      return loss;
    }
    if (typeof loss !== 'number') throw new ValueError('LBFGS: the closure must return the loss (a tensor or a number)');
    return loss;
  }

  /**
   * Runs up to maxIter iterations and returns the loss at the starting point (the closure's
   * first value), as PyTorch does. The closure is called with gradient recording on.
   */
  async step(closure: Closure): Promise<number> {
    const group = this.paramGroups[0]!;
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearch } = group;
    const st = this.stateOf(this.flatParams[0]!);
    st.funcEvals = (st.funcEvals as number | undefined) ?? 0;
    st.nIter = (st.nIter as number | undefined) ?? 0;

    let flatGrad: Tensor | null = null;
    try {
      const lossT = await this.evaluate(closure);
      flatGrad = this.gatherFlatGrad();
      let [loss, gmax] = await this.read([lossT, this.absMax(flatGrad)]);
      const origLoss = loss!;
      let currentEvals = 1;
      st.funcEvals = (st.funcEvals as number) + 1;
      if (gmax! <= toleranceGrad) return origLoss;

      let d = (st.d as Tensor | undefined) ?? null;
      let t = (st.t as number | undefined) ?? lr;
      let oldDirs = [...((st.oldDirs as Tensor[] | undefined) ?? [])];
      let oldStps = [...((st.oldStps as Tensor[] | undefined) ?? [])];
      let ro = [...((st.ro as number[] | undefined) ?? [])];
      let hDiag = (st.hDiag as number | undefined) ?? 1;
      let prevFlatGrad = (st.prevFlatGrad as Tensor | undefined) ?? null;
      let prevLoss = (st.prevLoss as number | undefined) ?? loss!;
      const save = (): void => {
        st.d = d;
        st.t = t;
        st.oldDirs = oldDirs;
        st.oldStps = oldStps;
        st.ro = ro;
        st.hDiag = hDiag;
        st.prevFlatGrad = prevFlatGrad;
        st.prevLoss = prevLoss;
      };

      let nIter = 0;
      try {
        while (nIter < maxIter) {
          nIter++;
          st.nIter = (st.nIter as number) + 1;
          const g: Tensor = flatGrad!;

          // ---- the descent direction ----
          if (st.nIter === 1) {
            d?.dispose();
            d = keep(noGrad(() => neg(g)));
            for (const x of [...oldDirs, ...oldStps]) x.dispose();
            oldDirs = [];
            oldStps = [];
            ro = [];
            hDiag = 1;
          } else {
            const { y, s } = noGrad(() => tidy(() => ({ y: sub(g, prevFlatGrad!), s: mul(d!, t) })));
            const [ys, yy] = await this.read([this.dot(y, s), this.dot(y, y)]);
            if (ys! > 1e-10) {
              if (oldDirs.length === historySize) {
                oldDirs.shift()!.dispose();
                oldStps.shift()!.dispose();
                ro.shift();
              }
              oldDirs.push(keep(y));
              oldStps.push(keep(s));
              ro.push(1 / ys!);
              hDiag = ys! / yy!;
            } else {
              y.dispose();
              s.dispose();
            }
            const r = this.twoLoop(g, oldDirs, oldStps, ro, hDiag);
            d!.dispose();
            d = r;
          }
          const dir: Tensor = d!;
          prevFlatGrad?.dispose();
          prevFlatGrad = keep(noGrad(() => g.clone()));
          prevLoss = loss!;

          // ---- the step length ----
          const first = st.nIter === 1;
          const [gtd, dNorm, gAbsSum] = await this.read([this.dot(g, dir), this.absMax(dir), first ? noGrad(() => tidy(() => sum(abs(g)))) : 0]);
          t = first ? Math.min(1, 1 / gAbsSum!) * lr : lr;
          if (gtd! > -toleranceChange) break;

          let lsEvals = 0;
          let optCond = false;
          if (lineSearch === 'strongWolfe') {
            const xInit = noGrad(() => this.flatParams.map((p) => p.clone()));
            try {
              const evalAt = async (tt: number): Promise<Point> => {
                this.setParams(xInit, tt, dir);
                const lt = await this.evaluate(closure);
                const gn = this.gatherFlatGrad();
                const [f, gtdN, gm] = await this.read([lt, this.dot(gn, dir), this.absMax(gn)]);
                return { t: tt, f: f!, g: gn, gtd: gtdN!, gmax: gm! };
              };
              const res = await strongWolfe(evalAt, { t, f: loss!, g, gtd: gtd!, gmax: gmax! }, dNorm!, toleranceChange);
              this.setParams(xInit, res.t, dir);
              loss = res.f;
              t = res.t;
              gmax = res.gmax;
              if (res.g !== g) {
                g.dispose();
                flatGrad = res.g;
              }
              lsEvals = res.evals;
              optCond = gmax <= toleranceGrad;
            } finally {
              for (const x of xInit) x.dispose();
            }
          } else {
            this.setParams(null, t, dir);
            if (nIter !== maxIter) {
              const lt = await this.evaluate(closure);
              const gn = this.gatherFlatGrad();
              [loss, gmax] = await this.read([lt, this.absMax(gn)]);
              g.dispose();
              flatGrad = gn;
              optCond = gmax! <= toleranceGrad;
              lsEvals = 1;
            }
          }
          currentEvals += lsEvals;
          st.funcEvals = (st.funcEvals as number) + lsEvals;

          // ---- stopping conditions ----
          if (nIter === maxIter) break;
          if (currentEvals >= maxEval) break;
          if (optCond) break;
          if (Math.abs(t) * dNorm! <= toleranceChange) break;
          if (Math.abs(loss! - prevLoss) < toleranceChange) break;
        }
      } finally {
        save();
      }
      return origLoss;
    } finally {
      flatGrad?.dispose();
    }
  }

  /** The L-BFGS direction -H g by the two-loop recursion, on the device. */
  private twoLoop(g: Tensor, dirs: readonly Tensor[], stps: readonly Tensor[], ro: readonly number[], hDiag: number): Tensor {
    return noGrad(() => {
      const q = neg(g);
      const al: Tensor[] = [];
      for (let i = dirs.length - 1; i >= 0; i--) {
        // al_i = ro_i s_i'q;  q -= al_i y_i
        const a = tidy(() => mul(sum(mul(stps[i]!, q)), ro[i]!));
        al[i] = a;
        fusedUpdate('LBFGS.twoLoop', [q], { q, y: dirs[i]!, a }, (x) => [subE(x.q, mulE(x.a, x.y))]);
      }
      fusedUpdate('LBFGS.twoLoop', [q], { q, h: hDiag }, (x) => [mulE(x.q, x.h)]);
      for (let i = 0; i < dirs.length; i++) {
        // be_i = ro_i y_i'r;  r += (al_i - be_i) s_i
        const be = tidy(() => mul(sum(mul(dirs[i]!, q)), ro[i]!));
        fusedUpdate('LBFGS.twoLoop', [q], { q, s: stps[i]!, a: al[i]!, be }, (x) => [add(x.q, mulE(subE(x.a, x.be), x.s))]);
        be.dispose();
      }
      for (const a of al) a.dispose();
      return keep(q);
    });
  }

  protected override checkLoadedState(_p: Tensor, s: ParamState, index: number): void {
    for (const k of ['d', 'prevFlatGrad'] as const) {
      const v = s[k];
      if (v instanceof Tensor && (v.ndim !== 1 || v.size !== this.numel)) {
        throw new ValueError(`LBFGS.loadStateDict: state '${k}' of parameter ${index} has shape [${v.shape.join(', ')}], expected [${this.numel}]`);
      }
    }
  }
}

/**
 * A line search for a step t along d satisfying the strong Wolfe conditions
 * f(t) <= f(0) + c1 t g'd and |g(t)'d| <= c2 |g'd| (Nocedal & Wright, algorithms 3.5 and 3.6, as
 * PyTorch and minFunc implement them): bracket by growing the step with cubic interpolation,
 * then shrink the bracket. Returns the best point and the number of evaluations. The gradients
 * of the points it does not return are disposed; `start.g` stays the caller's.
 */
async function strongWolfe(
  evalAt: (t: number) => Promise<Point>,
  start: Point,
  dNorm: number,
  toleranceChange: number,
  c1 = 1e-4,
  c2 = 0.9,
  maxLs = 25,
): Promise<Point & { evals: number }> {
  const made = new Set<Tensor>();
  const evalPoint = async (t: number): Promise<Point> => {
    const p = await evalAt(t);
    made.add(p.g);
    return p;
  };
  try {
    return await wolfeSearch(evalPoint, start, dNorm, toleranceChange, c1, c2, maxLs, made);
  } catch (e) {
    for (const g of made) g.dispose();
    throw e;
  }
}

async function wolfeSearch(
  evalPoint: (t: number) => Promise<Point>,
  start: Point,
  dNorm: number,
  toleranceChange: number,
  c1: number,
  c2: number,
  maxLs: number,
  made: Set<Tensor>,
): Promise<Point & { evals: number }> {
  const { f: f0, gtd: gtd0 } = start;
  const origin: Point = { ...start, t: 0 };
  let prev = origin;
  let cur = await evalPoint(start.t);
  let evals = 1;
  let iter = 0;
  let done = false;
  let bracket: Point[] | null = null;

  // Bracketing: grow the step until the interval [prev, cur] must contain an acceptable point.
  while (iter < maxLs) {
    if (cur.f > f0 + c1 * cur.t * gtd0 || (iter > 1 && cur.f >= prev.f)) {
      bracket = [prev, cur];
      break;
    }
    if (Math.abs(cur.gtd) <= -c2 * gtd0) {
      bracket = [cur];
      done = true;
      break;
    }
    if (cur.gtd >= 0) {
      bracket = [prev, cur];
      break;
    }
    const next = cubicInterpolate(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd, [cur.t + 0.01 * (cur.t - prev.t), cur.t * 10]);
    prev = cur;
    cur = await evalPoint(next);
    evals++;
    iter++;
  }
  if (iter === maxLs) bracket = [origin, cur];
  const b = bracket!;

  // Zoom: shrink the bracket around a point satisfying both conditions.
  const order = (): [number, number] => (b[0]!.f <= b[b.length - 1]!.f ? [0, 1] : [1, 0]);
  let [lo, hi] = order();
  let insufficientProgress = false;
  while (!done && iter < maxLs) {
    if (Math.abs(b[1]!.t - b[0]!.t) * dNorm < toleranceChange) break;
    let t = cubicInterpolate(b[0]!.t, b[0]!.f, b[0]!.gtd, b[1]!.t, b[1]!.f, b[1]!.gtd);
    const tMax = Math.max(b[0]!.t, b[1]!.t);
    const tMin = Math.min(b[0]!.t, b[1]!.t);
    const eps = 0.1 * (tMax - tMin);
    if (Math.min(tMax - t, t - tMin) < eps) {
      // Too close to an end: after a second time (or at an end), move 10% of the bracket inside.
      if (insufficientProgress || t >= tMax || t <= tMin) {
        t = Math.abs(t - tMax) < Math.abs(t - tMin) ? tMax - eps : tMin + eps;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    const p = await evalPoint(t);
    evals++;
    iter++;
    if (p.f > f0 + c1 * t * gtd0 || p.f >= b[lo]!.f) {
      b[hi] = p;
      [lo, hi] = order();
    } else {
      if (Math.abs(p.gtd) <= -c2 * gtd0) done = true;
      else if (p.gtd * (b[hi]!.t - b[lo]!.t) >= 0) b[hi] = b[lo]!;
      b[lo] = p;
    }
  }
  const best = b[lo]!;
  for (const g of made) if (g !== best.g) g.dispose();
  return { ...best, evals };
}
