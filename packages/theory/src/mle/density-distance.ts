/**
 * Hellinger and total-variation distances between the conditional densities p_G(y|x) of a fit
 * and p_G*(y|x) of the truth, integrated over y numerically and averaged over x.
 *
 * Quadrature: the trapezoid rule on one y interval shared by every x, from the lowest to the
 * highest component mean a_i.x + b_i of either model over the x values, widened by `tails`
 * standard deviations (default 10: the Gaussian mass left outside is below 2e-23). The node
 * count is at least `points` and is raised so that the spacing h is at most a quarter of the
 * smallest component standard deviation. The trapezoid rule rather than Simpson's: on smooth
 * integrands that vanish at both ends (the Hellinger integrand (sqrt p - sqrt q)^2 here) its
 * error falls faster than any power of h. The TV integrand |p - q| has kinks where the densities
 * cross, where the error is O(h^2) times the jump of the derivative, with a sign that depends on
 * where the crossing falls between two nodes (it averages to zero over positions, so the errors
 * of different x largely cancel in the mean). The error is estimated, not assumed: each integral
 * is also computed on every other node (spacing 2h), and the reported error is |I_h - I_2h|
 * averaged over x, a bound on the error of I_h at each x (about 3 times it where the error is
 * O(h^2), far above it where it falls faster).
 */
import { ValueError } from '@nonlinear/tensor';
import { conditionalDensity, type GaussianMoEParams } from '@nonlinear/moe';
import { checkPair } from './check.js';

/** Options of the density distances. */
export interface DensityDistanceOptions {
  /**
   * The x values to average over, (m d) row-major. Default: the grid linspace(0, 1, 101) for
   * d = 1 (the protocol's design); inputs with d > 1 must be given.
   */
  x?: Float64Array;
  /** Minimum number of quadrature nodes in y (raised to an odd count, and for narrow components). Default 801. */
  points?: number;
  /** Widening of the y interval beyond the extreme component means, in standard deviations. Default 10. */
  tails?: number;
  /** Largest node count the refinement for narrow components may reach (it throws beyond). Default 200001. */
  maxPoints?: number;
}

/** The two distances, averaged over x, with their quadrature error estimates. */
export interface DensityDistances {
  /** Mean over x of H(x) = sqrt(1/2 int (sqrt p_G - sqrt p_G*)^2 dy), in [0, 1]. */
  hellinger: number;
  /** Mean over x of TV(x) = 1/2 int |p_G - p_G*| dy, in [0, 1]. */
  totalVariation: number;
  /** Mean over x of |H_h(x) - H_2h(x)|, the quadrature error estimate of `hellinger`. */
  hellingerError: number;
  /** Mean over x of |TV_h(x) - TV_2h(x)|, the quadrature error estimate of `totalVariation`. */
  totalVariationError: number;
  /** Number of x values averaged over. */
  xCount: number;
  /** Quadrature nodes used in y. */
  points: number;
  /** The y interval integrated over. */
  yRange: [number, number];
}

/** The trapezoid rule over every `stride`-th value of f (spacing h * stride). */
function trapezoid(f: Float64Array, stride: number, h: number): number {
  const last = f.length - 1;
  let s = 0.5 * (f[0]! + f[last]!);
  for (let t = stride; t < last; t += stride) s += f[t]!;
  return s * h * stride;
}

/**
 * Hellinger and total-variation distances between p_G(.|x) and p_G*(.|x), averaged over x, by
 * the trapezoid rule in y (see the module comment for the interval, the node count and
 * the error estimate). The models may have different numbers of experts.
 *
 * @throws ValueError when the models differ in d, gate or activation, when d > 1 without
 *   `x`, or when the components are too narrow for `maxPoints` nodes.
 */
export function densityDistances(fit: GaussianMoEParams, truth: GaussianMoEParams, options: DensityDistanceOptions = {}): DensityDistances {
  const op = 'densityDistances';
  checkPair(op, fit, truth);
  const d = fit.d;
  const tails = options.tails ?? 10;
  const minPoints = options.points ?? 801;
  const maxPoints = options.maxPoints ?? 200001;
  if (!(tails > 0) || !Number.isFinite(tails)) throw new ValueError(`${op}: tails must be finite and > 0, got ${tails}`);
  if (!Number.isInteger(minPoints) || minPoints < 5) throw new ValueError(`${op}: points must be an integer >= 5, got ${minPoints}`);
  let x = options.x;
  if (x === undefined) {
    if (d !== 1) throw new ValueError(`${op}: the default x grid is linspace(0, 1, 101) for d = 1; give x for d = ${d}`);
    x = Float64Array.from({ length: 101 }, (_, s) => s / 100);
  }
  if (!(x instanceof Float64Array) || x.length === 0 || x.length % d !== 0) throw new ValueError(`${op}: x must be a non-empty Float64Array of m * d = m * ${d} values, got ${x.length}`);
  const m = x.length / d;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) throw new ValueError(`${op}: x[${i}] = ${x[i]} is not finite`);

  // The y interval: every component mean of either model at every x, widened by `tails` sds.
  let lo = Infinity;
  let hi = -Infinity;
  let sdMin = Infinity;
  for (const p of [fit, truth]) {
    for (let i = 0; i < p.k; i++) {
      const sd = Math.sqrt(p.nu[i]!);
      sdMin = Math.min(sdMin, sd);
      for (let s = 0; s < m; s++) {
        let mu = p.b[i]!;
        for (let j = 0; j < d; j++) mu += p.a[i * d + j]! * x[s * d + j]!;
        lo = Math.min(lo, mu - tails * sd);
        hi = Math.max(hi, mu + tails * sd);
      }
    }
  }
  let intervals = Math.max(minPoints - 1, Math.ceil((hi - lo) / (sdMin / 4)));
  intervals = Math.ceil(intervals / 2) * 2; // so that every other node spans the same interval
  const points = intervals + 1;
  if (points > maxPoints) {
    throw new ValueError(`${op}: a component standard deviation of ${sdMin.toPrecision(3)} over a y range of ${(hi - lo).toPrecision(3)} needs ${points} nodes, above maxPoints = ${maxPoints}`);
  }
  const h = (hi - lo) / intervals;
  const grid = Float64Array.from({ length: points }, (_, t) => lo + t * h);
  const p = conditionalDensity(fit, x, grid);
  const q = conditionalDensity(truth, x, grid);
  const hInt = new Float64Array(points);
  const tvInt = new Float64Array(points);
  let hel = 0;
  let tv = 0;
  let helErr = 0;
  let tvErr = 0;
  for (let s = 0; s < m; s++) {
    for (let t = 0; t < points; t++) {
      const a = p[s * points + t]!;
      const b = q[s * points + t]!;
      hInt[t] = (Math.sqrt(a) - Math.sqrt(b)) ** 2;
      tvInt[t] = Math.abs(a - b);
    }
    // Clamped at 1: quadrature error may push a half-integral of nearly disjoint densities past it.
    const H = (stride: number): number => Math.sqrt(Math.min(1, 0.5 * trapezoid(hInt, stride, h)));
    const TV = (stride: number): number => Math.min(1, 0.5 * trapezoid(tvInt, stride, h));
    const h1 = H(1);
    const t1 = TV(1);
    hel += h1;
    tv += t1;
    helErr += Math.abs(h1 - H(2));
    tvErr += Math.abs(t1 - TV(2));
  }
  return {
    hellinger: hel / m, totalVariation: tv / m, hellingerError: helErr / m, totalVariationError: tvErr / m,
    xCount: m, points, yRange: [lo, hi],
  };
}

/** The mean Hellinger distance over x alone (see `densityDistances`). */
export function hellingerDistance(fit: GaussianMoEParams, truth: GaussianMoEParams, options: DensityDistanceOptions = {}): number {
  return densityDistances(fit, truth, options).hellinger;
}

/** The mean total-variation distance over x alone (see `densityDistances`). */
export function totalVariationDistance(fit: GaussianMoEParams, truth: GaussianMoEParams, options: DensityDistanceOptions = {}): number {
  return densityDistances(fit, truth, options).totalVariation;
}
