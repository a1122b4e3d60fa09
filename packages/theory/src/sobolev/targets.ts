import { ShapeError, ValueError } from '@nonlinear/tensor';
import { dampedSineFactor, gaussianFactor, kinkFactor, monomialFactor, type Factor1D } from './factors.js';

/**
 * Target functions on [0, 1]^d with known smoothness, normalised to W^{m,inf} norm 1, where
 * `||f||_{W^{m,inf}} = max over multi-indices |alpha| <= m of sup_{[0,1]^d} |D^alpha f|`.
 *
 * Every target is a sum of separable terms c * prod_i g_i(x_i) built from the 1-D factors of
 * factors.ts. For one term the norm is exact and closed-form (sup of a product of functions of
 * separate variables = product of the sups); for a sum of terms whose factors are all
 * absolutely monotone with c >= 0 (polynomials with positive coefficients) every derivative is
 * non-negative and largest at (1, ..., 1), so the norm is exact too; otherwise the triangle
 * inequality gives an upper bound (method 'upper-bound', so the normalised norm is <= 1).
 */

/** The kinds of target: exactly representable, infinitely smooth, or with n bounded derivatives. */
export type TargetFamily = 'polynomial' | 'smooth' | 'limited';

/** How the normalising Sobolev norm was computed. */
export interface SobolevNorm {
  /** m in W^{m,inf}. */
  order: number;
  /** The norm of the unnormalised function (the target is that function divided by this). */
  value: number;
  /** 'analytic': closed form; 'numeric': 1-D sups found numerically; 'upper-bound': triangle inequality. */
  method: 'analytic' | 'numeric' | 'upper-bound';
}

/** A polynomial target ({@link polynomialTarget}). */
export interface PolynomialSpec {
  /** The kind. */
  family: 'polynomial';
  /** d. */
  dim: number;
  /** The total degree r. */
  degree: number;
}

/** A monomial target ({@link monomialTarget}). */
export interface MonomialSpec {
  /** The kind. */
  family: 'monomial';
  /** One exponent per coordinate. */
  exponents: number[];
}

/** A damped-sine product ({@link smoothTarget}). */
export interface SmoothSpec {
  /** The kind. */
  family: 'smooth';
  /** d. */
  dim: number;
  /** m of the normalising norm (default 3). */
  normOrder?: number;
}

/** A Gaussian bump ({@link gaussianBumpTarget}). */
export interface GaussianSpec {
  /** The kind. */
  family: 'gaussian';
  /** d. */
  dim: number;
  /** sigma (default 0.25). */
  width?: number;
  /** m of the normalising norm (default 3). */
  normOrder?: number;
}

/** A target with exactly n bounded derivatives ({@link limitedSmoothnessTarget}). */
export interface LimitedSpec {
  /** The kind. */
  family: 'limited';
  /** d. */
  dim: number;
  /** n. */
  n: number;
}

/** A serialisable description of a target, for sweep configs and results. */
export type TargetSpec = PolynomialSpec | MonomialSpec | SmoothSpec | GaussianSpec | LimitedSpec;

/** A target function f: [0, 1]^d -> R, normalised to Sobolev norm 1 (at most 1 for an upper-bound norm). */
export interface SobolevTarget {
  /** A short stable id, e.g. `limited-n2-d1`. */
  readonly name: string;
  /** The formula before normalisation, for reports. */
  readonly formula: string;
  /** Which kind of target. */
  readonly family: TargetFamily;
  /** d, the input dimension. */
  readonly dim: number;
  /** n, the number of bounded derivatives (Infinity for polynomials and smooth targets). */
  readonly smoothness: number;
  /** The normalising norm. */
  readonly norm: SobolevNorm;
  /** f at N points given row-major as [N * dim] numbers. */
  value(points: ArrayLike<number>): Float64Array;
  /** The gradient of f at N points: [N * dim] numbers, row-major. */
  gradient(points: ArrayLike<number>): Float64Array;
  /** D^alpha f at one point (alpha: one derivative order per coordinate). */
  derivative(point: ArrayLike<number>, alpha: readonly number[]): number;
  /** ||f||_{W^{m,inf}} of the normalised target, computed as the normalising norm was. */
  sobolevNorm(order: number): number;
}

/** One separable term `c * prod_i factors[i](x_i)`. */
export interface SeparableTerm {
  /** The constant c. */
  coefficient: number;
  /** One factor per coordinate. */
  factors: Factor1D[];
}

/** What {@link separableTarget} needs. */
export interface SeparableTargetOptions {
  /** See {@link SobolevTarget.name}. */
  name: string;
  /** See {@link SobolevTarget.family}. */
  family: TargetFamily;
  /** The terms summed. */
  terms: SeparableTerm[];
  /** m of the normalising W^{m,inf} norm (default: the smoothness; required when it is Infinity). */
  normOrder?: number;
}

/** Every multi-index of d entries with |alpha| <= m. */
export function multiIndices(d: number, m: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[], left: number): void => {
    if (prefix.length === d) {
      out.push(prefix);
      return;
    }
    for (let a = 0; a <= left; a++) rec([...prefix, a], left - a);
  };
  rec([], m);
  return out;
}

/** sup |D^alpha f| of a sum of separable terms and whether it is exact. */
function supOf(terms: readonly SeparableTerm[], alpha: readonly number[]): { sup: number; exact: boolean } {
  const sups = terms.map((t) => Math.abs(t.coefficient) * t.factors.reduce((p, g, i) => p * g.supDerivative(alpha[i]!), 1));
  const total = sups.reduce((a, b) => a + b, 0);
  const monotone = terms.every((t) => t.coefficient >= 0 && t.factors.every((g) => g.absolutelyMonotone === true));
  return { sup: total, exact: terms.length === 1 || monotone };
}

/** A target from separable terms, normalised by its W^{m,inf} norm. */
export function separableTarget(options: SeparableTargetOptions): SobolevTarget {
  const { name, family, terms } = options;
  if (!terms.length) throw new ValueError(`separableTarget(${name}): needs at least one term`);
  const dim = terms[0]!.factors.length;
  if (dim < 1) throw new ValueError(`separableTarget(${name}): a term needs one factor per coordinate, got none`);
  for (const t of terms) {
    if (t.factors.length !== dim) throw new ShapeError(`separableTarget(${name}): every term needs ${dim} factors, got ${t.factors.length}`);
    if (!Number.isFinite(t.coefficient)) throw new ValueError(`separableTarget(${name}): coefficients must be finite, got ${t.coefficient}`);
  }
  const smoothness = Math.min(...terms.flatMap((t) => t.factors.map((g) => g.smoothness)));
  const order = options.normOrder ?? smoothness;
  if (!Number.isInteger(order) || order < 0 || order > smoothness) {
    throw new ValueError(`separableTarget(${name}): normOrder must be an integer in [0, ${smoothness}], got ${options.normOrder ?? order}`);
  }
  const rawNorm = (m: number): { value: number; exact: boolean } => {
    let value = 0;
    let exact = true;
    for (const alpha of multiIndices(dim, m)) {
      const s = supOf(terms, alpha);
      value = Math.max(value, s.sup);
      exact &&= s.exact;
    }
    return { value, exact };
  };
  const raw = rawNorm(order);
  if (!(raw.value > 0 && Number.isFinite(raw.value))) throw new ValueError(`separableTarget(${name}): the W^{${order},inf} norm is ${raw.value}; cannot normalise`);
  const numeric = terms.some((t) => t.factors.some((g) => g.supMethod === 'numeric'));
  const norm: SobolevNorm = { order, value: raw.value, method: !raw.exact ? 'upper-bound' : numeric ? 'numeric' : 'analytic' };
  const scale = 1 / raw.value;
  const formula = terms
    .map((t) => `${t.coefficient === 1 ? '' : `${Number(t.coefficient.toPrecision(4))} `}${t.factors.map((g, i) => `${g.name.replaceAll('t', `x${i + 1}`)}`).join(' ')}`)
    .join(' + ');
  const checkPoints = (op: string, points: ArrayLike<number>): number => {
    if (points.length % dim !== 0) throw new ShapeError(`${name}.${op}: expected [N * ${dim}] coordinates, got ${points.length}`);
    return points.length / dim;
  };
  const derivativeAt = (points: ArrayLike<number>, base: number, alpha: readonly number[]): number => {
    let s = 0;
    for (const t of terms) {
      let p = t.coefficient;
      for (let i = 0; i < dim && p !== 0; i++) p *= t.factors[i]!.derivative(points[base + i]!, alpha[i]!);
      s += p;
    }
    return s * scale;
  };
  const zero = new Array<number>(dim).fill(0);
  return {
    name,
    formula,
    family,
    dim,
    smoothness,
    norm,
    value(points) {
      const n = checkPoints('value', points);
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) out[j] = derivativeAt(points, j * dim, zero);
      return out;
    },
    gradient(points) {
      const n = checkPoints('gradient', points);
      const out = new Float64Array(n * dim);
      const alpha = [...zero];
      for (let i = 0; i < dim; i++) {
        alpha[i] = 1;
        for (let j = 0; j < n; j++) out[j * dim + i] = derivativeAt(points, j * dim, alpha);
        alpha[i] = 0;
      }
      return out;
    },
    derivative(point, alpha) {
      if (point.length !== dim || alpha.length !== dim) throw new ShapeError(`${name}.derivative: expected a point and alpha of ${dim} entries, got ${point.length} and ${alpha.length}`);
      return derivativeAt(point, 0, alpha);
    },
    sobolevNorm(m) {
      if (!Number.isInteger(m) || m < 0 || m > smoothness) throw new ValueError(`${name}.sobolevNorm: order must be an integer in [0, ${smoothness}], got ${m}`);
      return rawNorm(m).value * scale;
    },
  };
}

function checkDim(op: string, dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new ValueError(`${op}: dim must be a positive integer, got ${dim}`);
}

/**
 * The polynomial sum over all multi-indices |alpha| <= degree of 2^{-|alpha|} x^alpha, normalised in
 * W^{degree,inf} (= its W^{inf,inf} norm: higher derivatives vanish). Exactly representable by
 * PolyReLU networks of order >= 2 (squares give products by polarisation).
 */
export function polynomialTarget(dim: number, degree: number): SobolevTarget {
  checkDim('polynomialTarget', dim);
  if (!Number.isInteger(degree) || degree < 0) throw new ValueError(`polynomialTarget: degree must be a non-negative integer, got ${degree}`);
  const terms = multiIndices(dim, degree).map((alpha) => ({
    coefficient: 2 ** -alpha.reduce((a, b) => a + b, 0),
    factors: alpha.map((p) => monomialFactor(p)),
  }));
  return separableTarget({ name: `polynomial-r${degree}-d${dim}`, family: 'polynomial', terms, normOrder: degree });
}

/** The monomial x^exponents (x^2: [2]; x y: [1, 1], Yarotsky's building blocks), normalised. */
export function monomialTarget(exponents: readonly number[]): SobolevTarget {
  if (!exponents.length) throw new ValueError('monomialTarget: needs at least one exponent');
  const factors = exponents.map((p) => monomialFactor(p));
  const degree = exponents.reduce((a, b) => a + b, 0);
  return separableTarget({ name: `monomial-${exponents.join('_')}`, family: 'polynomial', terms: [{ coefficient: 1, factors }], normOrder: degree });
}

/** Options of {@link smoothTarget}. */
export interface SmoothTargetOptions {
  /** m of the normalising norm (default 3). */
  normOrder?: number;
  /** Frequencies per coordinate (default 3 + i). */
  omega?: readonly number[];
  /** Phases per coordinate (default 0.3 (i + 1)). */
  phase?: readonly number[];
  /** Exponential rates per coordinate (default 0.5 (-1)^i). */
  beta?: readonly number[];
}

/** prod_i e^{beta_i x_i} sin(omega_i x_i + phase_i): analytic (n = inf), norm in closed form. */
export function smoothTarget(dim: number, options: SmoothTargetOptions = {}): SobolevTarget {
  checkDim('smoothTarget', dim);
  const factors = Array.from({ length: dim }, (_, i) =>
    dampedSineFactor(options.omega?.[i] ?? 3 + i, options.phase?.[i] ?? 0.3 * (i + 1), options.beta?.[i] ?? 0.5 * (-1) ** i));
  return separableTarget({ name: `smooth-d${dim}`, family: 'smooth', terms: [{ coefficient: 1, factors }], normOrder: options.normOrder ?? 3 });
}

/** Options of {@link gaussianBumpTarget}. */
export interface GaussianTargetOptions {
  /** Width sigma (default 0.25). */
  width?: number;
  /** Centre per coordinate (default 0.4 + 0.1 i, wrapped into (0, 1)). */
  center?: readonly number[];
  /** m of the normalising norm (default 3). */
  normOrder?: number;
}

/** exp(-|x - c|^2 / (2 sigma^2)): analytic (n = inf); the 1-D sups are found numerically. */
export function gaussianBumpTarget(dim: number, options: GaussianTargetOptions = {}): SobolevTarget {
  checkDim('gaussianBumpTarget', dim);
  const width = options.width ?? 0.25;
  const factors = Array.from({ length: dim }, (_, i) => gaussianFactor(options.center?.[i] ?? (0.4 + 0.1 * i) % 1, width));
  return separableTarget({ name: `gaussian-d${dim}`, family: 'smooth', terms: [{ coefficient: 1, factors }], normOrder: options.normOrder ?? 3 });
}

/**
 * prod_i |x_i - c_i|^{n + 1/2}: exactly n bounded derivatives (in W^{n,inf}, not in W^{n+1,inf}),
 * normalised in W^{n,inf}. Default centres are irrational-looking points (0.4142..., 0.7320..., ...)
 * so no breakpoint of a uniform grid sits on a kink.
 */
export function limitedSmoothnessTarget(dim: number, n: number, options: { centers?: readonly number[] } = {}): SobolevTarget {
  checkDim('limitedSmoothnessTarget', dim);
  const factors = Array.from({ length: dim }, (_, i) => kinkFactor(options.centers?.[i] ?? (Math.sqrt(i + 2) % 1 || 0.5), n));
  return separableTarget({ name: `limited-n${n}-d${dim}`, family: 'limited', terms: [{ coefficient: 1, factors }], normOrder: n });
}

/** The target a {@link TargetSpec} describes. */
export function makeTarget(spec: TargetSpec): SobolevTarget {
  switch (spec.family) {
    case 'polynomial':
      return polynomialTarget(spec.dim, spec.degree);
    case 'monomial':
      return monomialTarget(spec.exponents);
    case 'smooth':
      return smoothTarget(spec.dim, { normOrder: spec.normOrder });
    case 'gaussian':
      return gaussianBumpTarget(spec.dim, { width: spec.width, normOrder: spec.normOrder });
    case 'limited':
      return limitedSmoothnessTarget(spec.dim, spec.n);
    default:
      throw new ValueError(`makeTarget: unknown family '${String((spec as { family?: unknown }).family)}' (known: polynomial, monomial, smooth, gaussian, limited)`);
  }
}
