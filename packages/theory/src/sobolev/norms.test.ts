import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { errorNorms } from './norms.js';
import { monomialTarget, polynomialTarget } from './targets.js';
import { testBackends } from './test-util/backends.js';

/*
 * Error norms against errors known in closed form: the zero model on a polynomial target, and
 * an exact model plus a narrow bump between grid points (which only the local refinement finds).
 */

const backends = await testBackends();
const cpu = backends[0]!;

describe.each(backends.map((b) => [b.name, b] as const))('errorNorms on %s', (_n, device) => {
  test('the zero model on (1 + x/2 + x^2/4) / 1.75: sup, L2, W^{1,inf}, W^{1,2} by hand', async () => {
    const f = polynomialTarget(1, 2);
    const zero = (x: Tensor): Tensor => x.mul(0);
    const e = await errorNorms(zero, f, { device, gridBudget: 2049, qmcPoints: 4096, replicates: 4, seed: 3 });
    // sup |f| = f(1) = 1; int f^2 = (1 + 1/2 + 1/4 + 1/16 + 1/80) / 1.75^2 = 1.825 / 3.0625; int f'^2 = int (1 + x)^2 / 4 = 7/12, over 3.0625.
    expect(e.sup).toBe(1);
    expect(e.supSampled).toBe(1);
    expect(e.supAt).toEqual([1]);
    expect(e.l2).toBeCloseTo(Math.sqrt(1.825) / 1.75, 4);
    expect(e.w1inf).toBe(1);
    expect(e.w12!).toBeCloseTo(Math.sqrt(1.825 + 7 / 12) / 1.75, 4);
    // The QMC replicates agree to far better than the tolerance above.
    expect(e.l2Stderr).toBeLessThan(1e-4);
    expect(e.points).toEqual({ grid: 2049, qmc: 4 * 4096, refine: e.points.refine });
  });
});

test('a narrow bump between grid points: the refinement finds its peak, the sampled max misses it', async () => {
  // x y is exact; the bump 0.1 exp(-|x - p|^2 / (2 0.01^2)) at p = (0.50371, 0.25193) is the whole error.
  const f = monomialTarget([1, 1]);
  const p = [0.50371, 0.25193];
  const model = (x: Tensor): Tensor => T.tidy(() => {
    const [a, b] = [x.narrow(1, 0, 1), x.narrow(1, 1, 1)];
    const r2 = a.sub(p[0]!).square().add(b.sub(p[1]!).square());
    return a.mul(b).add(r2.mul(-1 / (2 * 0.01 ** 2)).exp().mul(0.1));
  });
  const e = await errorNorms(model, f, { device: cpu, dtype: 'float64', gridBudget: 1024, qmcPoints: 256, replicates: 2, refineSteps: 40 });
  expect(e.supSampled).toBeLessThan(0.099);
  expect(e.sup).toBeCloseTo(0.1, 9);
  expect(e.supAt[0]).toBeCloseTo(p[0]!, 4);
  expect(e.supAt[1]).toBeCloseTo(p[1]!, 4);
  // The bound adds L h sqrt(2) / 2 with L ~ the bump's steepest slope 0.1 e^{-1/2} / 0.01 ~ 6.07.
  expect(e.supBound!).toBeGreaterThan(e.sup);
  expect(e.supBound! - e.sup).toBeLessThan(7 * (1 / 31) * Math.SQRT1_2);
});

test('options are checked', async () => {
  const f = polynomialTarget(1, 1);
  const zero = (x: Tensor): Tensor => x.mul(0);
  await expect(errorNorms(zero, f, { device: cpu, replicates: 0 })).rejects.toThrow(/replicates must be a positive integer/);
  await expect(errorNorms((x: Tensor) => x.sum(), f, { device: cpu, gradients: false })).rejects.toThrow(/N outputs/);
});
