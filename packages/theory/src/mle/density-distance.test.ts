import { protocolTruth, type GaussianMoEParams } from '@nonlinear/moe';
import { ValueError } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { densityDistances, hellingerDistance, totalVariationDistance } from './density-distance.js';

const F = (...v: number[]) => Float64Array.from(v);
// One expert: p(y|x) = N(y | a x + b, nu) whatever the gate.
const single = (b: number, nu: number): GaussianMoEParams => ({ k: 1, d: 1, gate: 'softmax', tau: 1, beta1: F(0), beta0: F(0), a: F(2), b: F(b), nu: F(nu) });

/** erf by its Taylor series (|z| < 1 here): 2/sqrt(pi) sum (-1)^k z^(2k+1) / (k! (2k+1)). */
function erf(z: number): number {
  let term = z;
  let sum = z;
  for (let k = 1; k < 40; k++) {
    term *= (-z * z) / k;
    sum += term / (2 * k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('densityDistances', () => {
  test('two Gaussians with equal variance: H^2 = 1 - exp(-delta^2 / (8 s^2)), TV = erf(delta / (2 s sqrt 2))', () => {
    const delta = 0.5;
    const s = 1;
    const r = densityDistances(single(delta, s * s), single(0, s * s));
    const h = Math.sqrt(1 - Math.exp(-(delta ** 2) / (8 * s * s)));
    const tv = erf(delta / (2 * s * Math.SQRT2));
    expect(r.hellinger).toBeCloseTo(h, 9);
    expect(r.totalVariation).toBeCloseTo(tv, 6);
    expect(r.xCount).toBe(101);
    // The reported error estimates bound the actual errors (the TV integrand has kinks, so its error is larger).
    expect(Math.abs(r.hellinger - h)).toBeLessThanOrEqual(r.hellingerError + 1e-12);
    expect(Math.abs(r.totalVariation - tv)).toBeLessThanOrEqual(r.totalVariationError);
    expect(r.totalVariationError).toBeLessThan(1e-4);
  });

  test('equal means, variances 1 and 4: H^2 = 1 - sqrt(2 s1 s2 / (s1^2 + s2^2))', () => {
    const h = hellingerDistance(single(0, 1), single(0, 4), { x: F(0.25, 0.75) });
    expect(h).toBeCloseTo(Math.sqrt(1 - Math.sqrt((2 * 1 * 2) / (1 + 4))), 9);
  });

  test('zero at the truth, symmetric, and between 0 and 1 for the protocol models', () => {
    for (const t of [protocolTruth(), protocolTruth({ gate: 'activation' })]) {
      const r = densityDistances(t, t);
      expect(r.hellinger).toBe(0);
      expect(r.totalVariation).toBe(0);
    }
    const t = protocolTruth();
    const off: GaussianMoEParams = { ...t, beta1: F(20, 0), b: F(14.5, -5) };
    const ab = densityDistances(off, t);
    const ba = densityDistances(t, off);
    expect(ab.hellinger).toBeCloseTo(ba.hellinger, 12);
    expect(ab.totalVariation).toBeCloseTo(ba.totalVariation, 12);
    expect(ab.hellinger).toBeGreaterThan(0.01);
    expect(ab.totalVariation).toBeLessThan(1);
    // TV <= sqrt(2) H (Le Cam's inequality), pointwise in x and so for the means over x.
    expect(ab.totalVariation).toBeLessThanOrEqual(Math.SQRT2 * ab.hellinger + 1e-12);
    expect(totalVariationDistance(off, t)).toBe(ab.totalVariation);
  });

  test('a narrow component raises the node count so the spacing stays below a quarter of its sd', () => {
    const r = densityDistances(single(0, 1e-4), single(0.01, 1e-4), { points: 9 });
    expect((r.yRange[1] - r.yRange[0]) / (r.points - 1)).toBeLessThanOrEqual(0.01 / 4);
    expect(r.hellinger).toBeCloseTo(Math.sqrt(1 - Math.exp(-(0.01 ** 2) / (8 * 1e-4))), 7);
    expect(() => densityDistances(single(0, 1e-12), single(0, 1))).toThrow(/maxPoints/);
  });

  test('bad input is a ValueError', () => {
    const two: GaussianMoEParams = { ...single(0, 1), d: 2, beta1: F(0, 0), a: F(1, 1) };
    expect(() => densityDistances(two, two)).toThrow(/give x for d = 2/);
    expect(() => densityDistances(single(0, 1), single(0, 1), { points: 2 })).toThrow(ValueError);
    expect(() => densityDistances(single(0, 1), single(0, 1), { x: F(NaN) })).toThrow(/x\[0\]/);
  });
});
