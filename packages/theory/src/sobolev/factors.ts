import { ValueError } from '@nonlinear/tensor';

/**
 * One-dimensional factors on [0, 1] with their derivatives and the sup of each derivative, the
 * building blocks of the separable Sobolev targets (see targets.ts). Keeping the targets
 * separable is what makes their W^{n,inf} norms computable in closed form: for
 * f(x) = prod_i g_i(x_i), sup |D^alpha f| = prod_i sup |g_i^(alpha_i)|.
 */

/** How a sup of a derivative was found: closed form, or a dense 1-D search refined to ~1e-12. */
export type SupMethod = 'analytic' | 'numeric';

/** A function of one variable on [0, 1], with as many derivatives as its smoothness says. */
export interface Factor1D {
  /** A formula for the report, e.g. `sin(3t + 0.3)`. */
  readonly name: string;
  /** The number of bounded derivatives on [0, 1] (Infinity for analytic factors). */
  readonly smoothness: number;
  /** How {@link Factor1D.supDerivative} is computed. */
  readonly supMethod: SupMethod;
  /** True when every derivative is >= 0 on [0, 1] (so each is largest at t = 1), as for t^p. */
  readonly absolutelyMonotone?: boolean;
  /** The k-th derivative at t (k = 0: the value); k must not exceed the smoothness. */
  derivative(t: number, k: number): number;
  /** sup over t in [0, 1] of |k-th derivative|. */
  supDerivative(k: number): number;
}

function checkOrder(factor: string, k: number, smoothness: number): void {
  if (!Number.isInteger(k) || k < 0) throw new ValueError(`${factor}: derivative order must be a non-negative integer, got ${k}`);
  if (k > smoothness) throw new ValueError(`${factor}: has ${smoothness} bounded derivatives on [0, 1], asked for derivative ${k}`);
}

/** p (p - 1) ... (p - k + 1), the coefficient of the k-th derivative of t^p. */
function falling(p: number, k: number): number {
  let r = 1;
  for (let j = 0; j < k; j++) r *= p - j;
  return r;
}

/** t^p for an integer p >= 0: every derivative is non-negative on [0, 1], so its sup is at t = 1. */
export function monomialFactor(p: number): Factor1D {
  if (!Number.isInteger(p) || p < 0) throw new ValueError(`monomialFactor: exponent must be a non-negative integer, got ${p}`);
  const name = p === 0 ? '1' : p === 1 ? 't' : `t^${p}`;
  return {
    name,
    smoothness: Infinity,
    supMethod: 'analytic',
    absolutelyMonotone: true,
    derivative(t, k) {
      checkOrder(name, k, Infinity);
      return k > p ? 0 : falling(p, k) * t ** (p - k);
    },
    supDerivative(k) {
      checkOrder(name, k, Infinity);
      return k > p ? 0 : falling(p, k);
    },
  };
}

/**
 * e^{beta t} sin(omega t + phase). Its k-th derivative is |z|^k e^{beta t} sin(omega t + phase + k theta)
 * with z = beta + i omega and theta = arg z; the sup of |e^{beta t} sin(omega t + psi)| on [0, 1] is
 * attained at an end point or where beta sin + omega cos vanishes (omega t + psi = m pi - atan2(omega, beta)),
 * so it is found exactly by checking those finitely many points. phase = pi/2 and omega = 0 give e^{beta t}.
 */
export function dampedSineFactor(omega: number, phase: number, beta = 0): Factor1D {
  for (const [k, v] of [['omega', omega], ['phase', phase], ['beta', beta]] as const) {
    if (!Number.isFinite(v)) throw new ValueError(`dampedSineFactor: ${k} must be finite, got ${v}`);
  }
  const f = (x: number): string => String(Number(x.toFixed(4)));
  const sine = omega === 0 ? `sin(${f(phase)})` : `sin(${f(omega)}t + ${f(phase)})`;
  const name = beta === 0 ? sine : `e^{${f(beta)}t} ${sine}`;
  const r = Math.hypot(beta, omega);
  const theta = Math.atan2(omega, beta);
  const g = (t: number, psi: number): number => Math.exp(beta * t) * Math.sin(omega * t + psi);
  return {
    name,
    smoothness: Infinity,
    supMethod: 'analytic',
    derivative(t, k) {
      checkOrder(name, k, Infinity);
      return r ** k * g(t, phase + k * theta);
    },
    supDerivative(k) {
      checkOrder(name, k, Infinity);
      if (k > 0 && r === 0) return 0;
      const psi = phase + k * theta;
      let best = Math.max(Math.abs(g(0, psi)), Math.abs(g(1, psi)));
      if (omega !== 0) {
        // Critical points of e^{beta t} sin(omega t + psi): omega t + psi = m pi - theta.
        const lo = Math.min(psi, omega + psi);
        const hi = Math.max(psi, omega + psi);
        for (let m = Math.ceil((lo + theta) / Math.PI); m * Math.PI - theta <= hi; m++) {
          const t = (m * Math.PI - theta - psi) / omega;
          if (t >= 0 && t <= 1) best = Math.max(best, Math.abs(g(t, psi)));
        }
      }
      return r ** k * best;
    },
  };
}

/**
 * |t - center|^{n + 1/2}: exactly n bounded derivatives on [0, 1] when 0 < center < 1 (the n-th is
 * Hölder-1/2 at the centre, the (n+1)-th blows up like |t - center|^{-1/2}). The k-th derivative is
 * (n + 1/2)_k |t - c|^{n + 1/2 - k} sign(t - c)^k, largest in size at the end point farthest from c.
 */
export function kinkFactor(center: number, n: number): Factor1D {
  if (!(center > 0 && center < 1)) throw new ValueError(`kinkFactor: center must lie in (0, 1), got ${center}`);
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`kinkFactor: smoothness n must be a non-negative integer, got ${n}`);
  const p = n + 0.5;
  const name = `|t - ${Number(center.toFixed(4))}|^${p}`;
  return {
    name,
    smoothness: n,
    supMethod: 'analytic',
    derivative(t, k) {
      checkOrder(name, k, n);
      const u = t - center;
      const s = k % 2 === 1 && u < 0 ? -1 : 1;
      return s * falling(p, k) * Math.abs(u) ** (p - k);
    },
    supDerivative(k) {
      checkOrder(name, k, n);
      return Math.abs(falling(p, k)) * Math.max(center, 1 - center) ** (p - k);
    },
  };
}

/** Probabilists' Hermite polynomial He_k(u) by its three-term recurrence. */
function hermite(k: number, u: number): number {
  let a = 1;
  let b = u;
  if (k === 0) return a;
  for (let j = 1; j < k; j++) [a, b] = [b, u * b - j * a];
  return b;
}

/**
 * The Gaussian bump exp(-(t - center)^2 / (2 width^2)); its k-th derivative is
 * (-1/width)^k He_k(u) e^{-u^2/2} with u = (t - center)/width. The sup of its size has no closed form on a
 * sub-interval, so it is found numerically: the max over 4,097 equispaced points, each local
 * maximum then refined by golden-section search to ~1e-12 in t.
 */
export function gaussianFactor(center: number, width: number): Factor1D {
  if (!Number.isFinite(center)) throw new ValueError(`gaussianFactor: center must be finite, got ${center}`);
  if (!(width > 0 && Number.isFinite(width))) throw new ValueError(`gaussianFactor: width must be positive, got ${width}`);
  const name = `exp(-(t - ${Number(center.toFixed(4))})^2 / ${Number((2 * width * width).toFixed(4))})`;
  const d = (t: number, k: number): number => {
    const u = (t - center) / width;
    return (-1 / width) ** k * hermite(k, u) * Math.exp(-0.5 * u * u);
  };
  const sups = new Map<number, number>();
  return {
    name,
    smoothness: Infinity,
    supMethod: 'numeric',
    derivative(t, k) {
      checkOrder(name, k, Infinity);
      return d(t, k);
    },
    supDerivative(k) {
      checkOrder(name, k, Infinity);
      const cached = sups.get(k);
      if (cached !== undefined) return cached;
      const m = 4096;
      const h = (t: number): number => Math.abs(d(t, k));
      const vals = Array.from({ length: m + 1 }, (_, i) => h(i / m));
      let best = Math.max(...vals);
      for (let i = 0; i <= m; i++) {
        if ((i > 0 && vals[i - 1]! > vals[i]!) || (i < m && vals[i + 1]! > vals[i]!)) continue;
        best = Math.max(best, goldenMax(h, Math.max(0, (i - 1) / m), Math.min(1, (i + 1) / m)));
      }
      sups.set(k, best);
      return best;
    },
  };
}

/** The max of a unimodal h on [a, b] by golden-section search (to ~1e-12 in t). */
function goldenMax(h: (t: number) => number, a: number, b: number): number {
  const r = (Math.sqrt(5) - 1) / 2;
  let c = b - r * (b - a);
  let e = a + r * (b - a);
  let hc = h(c);
  let he = h(e);
  while (b - a > 1e-12) {
    if (hc > he) {
      b = e;
      e = c;
      he = hc;
      c = b - r * (b - a);
      hc = h(c);
    } else {
      a = c;
      c = e;
      hc = he;
      e = a + r * (b - a);
      he = h(e);
    }
  }
  return Math.max(hc, he, h(a), h(b));
}
