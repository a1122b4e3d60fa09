import { ValueError } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { fitPowerLaw } from './power-law.js';
import { normalFrom, seededRandom } from './rng.js';

const logspace = (lo: number, hi: number, m: number): number[] =>
  Array.from({ length: m }, (_, i) => 10 ** (lo + ((hi - lo) * i) / (m - 1)));

describe('fitPowerLaw', () => {
  test('exact data: y = 2 x^-0.75 gives exponent -0.75, intercept ln 2, zero residuals, R^2 = 1', () => {
    const x = [1, 10, 100, 1000];
    const y = [2, 2 * 10 ** -0.75, 2 * 10 ** -1.5, 2 * 10 ** -2.25];
    const f = fitPowerLaw(x, y, { bootstrap: 50 });
    expect(f.exponent).toBeCloseTo(-0.75, 12);
    expect(f.intercept).toBeCloseTo(Math.log(2), 12);
    expect(f.r2).toBeCloseTo(1, 12);
    for (const r of f.residuals) expect(Math.abs(r)).toBeLessThan(1e-12);
    // Every case resample of exact data lies on the same line.
    expect(f.ci[0]).toBeCloseTo(-0.75, 10);
    expect(f.ci[1]).toBeCloseTo(-0.75, 10);
  });

  test('two points: the line through them, by hand', () => {
    // ln y goes from ln 8 to ln 2 while ln x goes from ln 1 to ln 4: slope = ln(1/4) / ln 4 = -1.
    const f = fitPowerLaw([1, 4], [8, 2], { bootstrap: 0 });
    expect(f.exponent).toBeCloseTo(-1, 14);
    expect(f.intercept).toBeCloseTo(Math.log(8), 14);
    expect(f.ci.every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(f.residualSE)).toBe(true);
  });

  test('noisy replicates: recovers a known slope, and the 95% bootstrap interval covers it in about 95% of data sets', () => {
    const rand = seededRandom(7);
    const x = logspace(2, 5, 12);
    const alpha = -0.5;
    // 20 replications per x with multiplicative log-normal noise (sd 0.3 in ln y): the slope's
    // standard error is about 0.3 / sqrt(20) / (sd of ln x * sqrt(12)) = 0.009.
    const dataSet = () => x.map((xi) => Array.from({ length: 20 }, () => 3 * xi ** alpha * Math.exp(0.3 * normalFrom(rand))));
    const trials = 40;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const f = fitPowerLaw(x, dataSet(), { bootstrap: 200, seed: t });
      expect(Math.abs(f.exponent - alpha)).toBeLessThan(0.04);
      expect(f.ci[1] - f.ci[0]).toBeGreaterThan(0.01);
      expect(f.ci[1] - f.ci[0]).toBeLessThan(0.08);
      if (f.ci[0] < alpha && alpha < f.ci[1]) covered++;
    }
    // Binomial(40, 0.95) is below 33 with probability about 0.001.
    expect(covered).toBeGreaterThanOrEqual(33);
    const y = dataSet();
    const f = fitPowerLaw(x, y, { bootstrap: 400, seed: 1 });
    expect(f.points).toBe(12);
    expect(f.bootstrap).toBe(400);
    // The same seed gives the same interval; another seed a different one.
    expect(fitPowerLaw(x, y, { bootstrap: 400, seed: 1 }).ci).toEqual(f.ci);
    expect(fitPowerLaw(x, y, { bootstrap: 400, seed: 2 }).ci).not.toEqual(f.ci);
  });

  test('noisy single values: case resampling covers the slope', () => {
    const rand = seededRandom(3);
    const x = logspace(1, 4, 30);
    const y = x.map((xi) => xi ** -1.25 * Math.exp(0.1 * normalFrom(rand)));
    const f = fitPowerLaw(x, y, { bootstrap: 500 });
    expect(Math.abs(f.exponent + 1.25)).toBeLessThan(0.05);
    expect(f.ci[0]).toBeLessThan(-1.25);
    expect(f.ci[1]).toBeGreaterThan(-1.25);
    expect(f.r2).toBeGreaterThan(0.99);
  });

  test('bad input is a ValueError naming what was wrong', () => {
    expect(() => fitPowerLaw([1, 2], [1])).toThrow(ValueError);
    expect(() => fitPowerLaw([1, 2], [1, 0])).toThrow(/y\[1\] = 0/);
    expect(() => fitPowerLaw([1, 2], [1, [1, NaN]])).toThrow(/y\[1\]\[1\] = NaN/);
    expect(() => fitPowerLaw([0, 2], [1, 1])).toThrow(/x\[0\] = 0/);
    expect(() => fitPowerLaw([2, 2], [1, 3])).toThrow(/distinct/);
    expect(() => fitPowerLaw([1, 2], [1, 2], { bootstrap: -1 })).toThrow(/bootstrap/);
    expect(() => fitPowerLaw([1, 2], [1, 2], { level: 1 })).toThrow(/level/);
  });
});
