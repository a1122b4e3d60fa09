import { ShapeError, ValueError } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { dampedSineFactor, gaussianFactor, kinkFactor, monomialFactor, type Factor1D } from './factors.js';
import { gridPoints, haltonPoints, gridSide } from './points.js';
import { gaussianBumpTarget, limitedSmoothnessTarget, makeTarget, monomialTarget, multiIndices, polynomialTarget, smoothTarget, type SobolevTarget } from './targets.js';

/*
 * Targets and their Sobolev norms, checked against hand computations, finite differences of the
 * values, and brute-force maxima over dense grids (independent of the closed forms).
 */

/** max over a dense grid of [0, 1] of |g^(k)| from central differences of the values (k <= 2). */
function bruteSup(g: Factor1D, k: number, m = 200_000): number {
  const h = 1e-4;
  let best = 0;
  for (let i = 0; i <= m; i++) {
    // The factors are defined around [0, 1] too, so the differences may step outside it.
    const t = i / m;
    const v = k === 0 ? g.derivative(t, 0) : k === 1 ? (g.derivative(t + h, 0) - g.derivative(t - h, 0)) / (2 * h) : (g.derivative(t + h, 0) - 2 * g.derivative(t, 0) + g.derivative(t - h, 0)) / (h * h);
    best = Math.max(best, Math.abs(v));
  }
  return best;
}

describe('1-D factors', () => {
  const factors: [string, Factor1D, number][] = [
    ['t^3', monomialFactor(3), 2],
    ['sin(3t + 0.3)', dampedSineFactor(3, 0.3), 2],
    ['e^{0.5t} sin(7t + 1)', dampedSineFactor(7, 1, 0.5), 2],
    ['e^{-1.5t} sin(2t + 0.6)', dampedSineFactor(2, 0.6, -1.5), 2],
    ['e^{t} (omega = 0, phase pi/2)', dampedSineFactor(0, Math.PI / 2, 1), 2],
    ['|t - 0.3|^{2.5}', kinkFactor(0.3, 2), 2],
    ['|t - 0.7|^{1.5}', kinkFactor(0.7, 1), 1],
    ['gaussian(0.4, 0.25)', gaussianFactor(0.4, 0.25), 2],
  ];
  test.each(factors)('%s: derivatives match finite differences of the values', (_n, g, kmax) => {
    for (const t of [0.05, 0.31, 0.52, 0.77, 0.95]) {
      const h = 1e-5;
      expect(g.derivative(t, 1)).toBeCloseTo((g.derivative(t + h, 0) - g.derivative(t - h, 0)) / (2 * h), 5);
      if (kmax >= 2) expect(g.derivative(t, 2)).toBeCloseTo((g.derivative(t + h, 1) - g.derivative(t - h, 1)) / (2 * h), 4);
    }
  });
  test.each(factors)('%s: sup of each derivative equals the brute-force max over a dense grid', (_n, g, kmax) => {
    for (let k = 0; k <= kmax; k++) {
      const s = g.supDerivative(k);
      expect(Math.abs(s - bruteSup(g, k)) / Math.max(s, 1)).toBeLessThan(2e-5);
    }
  });
  test('by hand: t^3 has sups 1, 3, 6, 6, 0; |t - 0.25|^{1.5} has 0.75^1.5 and 1.5 * 0.75^0.5', () => {
    expect([0, 1, 2, 3, 4].map((k) => monomialFactor(3).supDerivative(k))).toEqual([1, 3, 6, 6, 0]);
    const g = kinkFactor(0.25, 1);
    expect(g.supDerivative(0)).toBeCloseTo(0.75 ** 1.5, 14);
    expect(g.supDerivative(1)).toBeCloseTo(1.5 * Math.sqrt(0.75), 14);
    expect(g.derivative(0, 1)).toBeCloseTo(-1.5 * 0.5, 14);
  });
  test('a kink has exactly n bounded derivatives: asking for n + 1 raises', () => {
    expect(() => kinkFactor(0.5, 2).derivative(0.2, 3)).toThrow(/2 bounded derivatives/);
    expect(() => kinkFactor(0.5, 2).supDerivative(3)).toThrow(ValueError);
    expect(() => kinkFactor(1, 2)).toThrow(/center must lie in \(0, 1\)/);
    expect(() => gaussianFactor(0.5, 0)).toThrow(/width/);
    expect(() => monomialFactor(-1)).toThrow(/exponent/);
  });
});

/** max over a dense grid of every |D^alpha f| with |alpha| <= m, from the target's own derivatives. */
function gridNorm(f: SobolevTarget, m: number, side: number): number {
  const pts = gridPoints(side, f.dim);
  let best = 0;
  for (const alpha of multiIndices(f.dim, m)) {
    for (let j = 0; j < pts.length / f.dim; j++) best = Math.max(best, Math.abs(f.derivative(pts.subarray(j * f.dim, (j + 1) * f.dim), alpha)));
  }
  return best;
}

describe('targets', () => {
  test('polynomial r = 2, d = 1 by hand: (1 + x/2 + x^2/4) / 1.75, norm max(1.75, 1, 0.5)', () => {
    const f = polynomialTarget(1, 2);
    expect(f.norm).toEqual({ order: 2, value: 1.75, method: 'analytic' });
    expect(Array.from(f.value([0, 0.5, 1]))).toEqual([1 / 1.75, 1.3125 / 1.75, 1]);
    expect(f.gradient([0.5])[0]).toBeCloseTo(0.75 / 1.75, 15);
    expect(f.smoothness).toBe(Infinity);
  });

  test('x y (Yarotsky): the W^{2,inf} norm is 1 (sup |xy| = |y| = |x| = |d2/dxdy| = 1)', () => {
    const f = monomialTarget([1, 1]);
    expect(f.norm.value).toBe(1);
    expect(Array.from(f.value([0.5, 0.25, 1, 1]))).toEqual([0.125, 1]);
  });

  const targets: [string, SobolevTarget, number][] = [
    ['polynomial r=3 d=2', polynomialTarget(2, 3), 3],
    ['smooth d=1', smoothTarget(1), 3],
    ['smooth d=2', smoothTarget(2), 3],
    ['gaussian d=2', gaussianBumpTarget(2), 3],
    ['limited n=2 d=1', limitedSmoothnessTarget(1, 2), 2],
    ['limited n=1 d=2', limitedSmoothnessTarget(2, 1), 1],
  ];
  test.each(targets)('%s: normalised W^{m,inf} norm is 1 within the grid resolution, and the gradient matches finite differences', (_n, f, m) => {
    expect(f.norm.order).toBe(m);
    const side = f.dim === 1 ? 20001 : 401;
    const g = gridNorm(f, m, side);
    expect(g).toBeLessThanOrEqual(1 + 1e-12);
    expect(g).toBeGreaterThan(f.dim === 1 ? 0.9999 : 0.995);
    const pts = haltonPoints(16, f.dim);
    const grad = f.gradient(pts);
    const h = 1e-6;
    for (let j = 0; j < 16; j++) {
      for (let i = 0; i < f.dim; i++) {
        const p = Array.from(pts.subarray(j * f.dim, (j + 1) * f.dim));
        const q = [...p];
        p[i]! += h;
        q[i]! -= h;
        const fd = (f.value(p)[0]! - f.value(q)[0]!) / (2 * h);
        expect(grad[j * f.dim + i]).toBeCloseTo(fd, 6);
      }
    }
  });

  test('norm methods: closed form for separable and positive polynomials, numeric for Gaussians', () => {
    expect(smoothTarget(2).norm.method).toBe('analytic');
    expect(limitedSmoothnessTarget(2, 2).norm.method).toBe('analytic');
    expect(polynomialTarget(2, 3).norm.method).toBe('analytic');
    expect(gaussianBumpTarget(1).norm.method).toBe('numeric');
    expect(limitedSmoothnessTarget(1, 3).smoothness).toBe(3);
  });

  test('makeTarget builds each family from a spec; bad specs and points name the problem', () => {
    expect(makeTarget({ family: 'limited', dim: 2, n: 2 }).name).toBe('limited-n2-d2');
    expect(makeTarget({ family: 'polynomial', dim: 1, degree: 3 }).name).toBe('polynomial-r3-d1');
    expect(makeTarget({ family: 'smooth', dim: 1 }).family).toBe('smooth');
    expect(() => makeTarget({ family: 'wavelet' } as never)).toThrow(/unknown family 'wavelet'/);
    expect(() => polynomialTarget(0, 2)).toThrow(/dim must be a positive integer/);
    expect(() => smoothTarget(1, { normOrder: 1.5 })).toThrow(/normOrder/);
    expect(() => limitedSmoothnessTarget(2, 1).value([0.1, 0.2, 0.3])).toThrow(ShapeError);
    expect(() => limitedSmoothnessTarget(1, 1).sobolevNorm(2)).toThrow(/order must be an integer in \[0, 1\]/);
  });
});

describe('points', () => {
  test('Halton by hand: bases 2 and 3', () => {
    expect(Array.from(haltonPoints(3, 2))).toEqual([0.5, 1 / 3, 0.25, 2 / 3, 0.75, 1 / 9]);
    const shifted = haltonPoints(2, 1, { shift: [0.75] });
    expect(Array.from(shifted)).toEqual([0.25, 0]);
  });
  test('grids: m^d points with both ends, the last coordinate fastest', () => {
    expect(Array.from(gridPoints(3, 2))).toEqual([0, 0, 0, 0.5, 0, 1, 0.5, 0, 0.5, 0.5, 0.5, 1, 1, 0, 1, 0.5, 1, 1]);
    expect(gridSide(4096, 2)).toBe(64);
    expect(gridSide(4096, 3)).toBe(16);
    expect(gridSide(1000, 3)).toBe(10);
    expect(() => gridPoints(1, 2)).toThrow(/m must be an integer >= 2/);
    expect(() => haltonPoints(4, 0)).toThrow(/dim/);
  });
});
