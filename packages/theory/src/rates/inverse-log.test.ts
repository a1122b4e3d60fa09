import { ValueError } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { compareRateLaws } from './compare.js';
import { fitInverseLog } from './inverse-log.js';
import { fitPowerLaw } from './power-law.js';
import { normalFrom, seededRandom } from './rng.js';

const logspace = (lo: number, hi: number, m: number): number[] =>
  Array.from({ length: m }, (_, i) => 10 ** (lo + ((hi - lo) * i) / (m - 1)));

describe('fitInverseLog', () => {
  test('exact data y = 5 / ln x: c = 5, zero residuals', () => {
    const x = [Math.E, Math.E ** 2, Math.E ** 4];
    const f = fitInverseLog(x, [5, 2.5, 1.25], { bootstrap: 20 });
    expect(f.c).toBeCloseTo(5, 12);
    for (const r of f.residuals) expect(Math.abs(r)).toBeLessThan(1e-12);
    expect(f.r2).toBeCloseTo(1, 12);
    expect(f.ci[0]).toBeCloseTo(5, 10);
  });

  test('by hand: y = 1 at x = e and e^2 gives ln c = (0 + ln 2) / 2, i.e. c = sqrt 2', () => {
    const f = fitInverseLog([Math.E, Math.E ** 2], [1, 1], { bootstrap: 0 });
    expect(f.c).toBeCloseTo(Math.SQRT2, 12);
    // Residuals ln 1 - (ln sqrt2 - ln ln x): -ln(2)/2 at x = e, +ln(2)/2 at x = e^2.
    expect(f.residuals[0]).toBeCloseTo(-Math.log(2) / 2, 12);
    expect(f.residuals[1]).toBeCloseTo(Math.log(2) / 2, 12);
    expect(f.residualSE).toBeCloseTo(Math.sqrt(Math.log(2) ** 2 / 2), 12);
  });

  test('the 1/log law wins on noisy 1/log data and loses on noisy power-law data', () => {
    const rand = seededRandom(11);
    const x = logspace(2, 5, 15);
    const noisy = (f: (x: number) => number) => x.map((xi) => Array.from({ length: 10 }, () => f(xi) * Math.exp(0.05 * normalFrom(rand))));
    const logData = noisy((n) => 4 / Math.log(n));
    const a = compareRateLaws(fitPowerLaw(x, logData, { bootstrap: 0 }), fitInverseLog(x, logData, { bootstrap: 100 }));
    expect(a.preferred).toBe('inverse-log');
    expect(a.inverseLogSE).toBeLessThan(a.powerLawSE);
    const powData = noisy((n) => 2 * n ** -0.5);
    const b = compareRateLaws(fitPowerLaw(x, powData, { bootstrap: 0 }), fitInverseLog(x, powData, { bootstrap: 0 }));
    expect(b.preferred).toBe('power-law');
    expect(b.powerLawSE).toBeLessThan(b.inverseLogSE);
  });

  test('bad input is a ValueError', () => {
    expect(() => fitInverseLog([1, 10], [1, 1])).toThrow(ValueError);
    expect(() => fitInverseLog([1, 10], [1, 1])).toThrow(/x\[0\] = 1; x must be finite and > 1/);
    expect(() => fitInverseLog([3, 10], [1, -1])).toThrow(/y\[1\] = -1/);
  });
});
