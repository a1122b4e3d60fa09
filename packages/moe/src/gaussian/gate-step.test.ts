import { describe, expect, test } from 'vitest';
import { fixtureParams, loadGaussianFixtures } from '../test-util/gaussian-fixtures.js';
import { GateStep } from './gate-step.js';
import { eStep } from './kernels.js';
import { cloneParams, type GaussianMoEParams } from './index.js';

const fixtures = loadGaussianFixtures();

function setup(c: ReturnType<typeof loadGaussianFixtures>[number]): { p: GaussianMoEParams; x: Float64Array; r: Float64Array; n: number } {
  const p = fixtureParams(c);
  const x = Float64Array.from(c.x);
  const n = c.y.length;
  const r = new Float64Array(n * p.k);
  eStep(p, x, Float64Array.from(c.y), n, r);
  return { p, x, r, n };
}

describe('gate M-step derivatives', () => {
  for (const c of fixtures) {
    test(`${c.name}: at the E-step responsibilities, grad Q equals PyTorch's gradient of the log-likelihood`, () => {
      // Fisher's identity: d LL / d theta = E_r[d log complete likelihood / d theta] at the current theta.
      const { p, x, r, n } = setup(c);
      const step = new GateStep(p, true);
      step.derivatives(step.pack(p), p.tau, x, r, n);
      const want: number[] = [];
      for (let i = 0; i < p.k - 1; i++) want.push(...c.grad.beta1.slice(i * p.d, (i + 1) * p.d), c.grad.beta0[i]!);
      if (c.grad.log_tau) want.push(...c.grad.log_tau);
      expect(step.P).toBe(want.length);
      for (let a = 0; a < want.length; a++) expect(Math.abs(step.grad[a]! - want[a]!)).toBeLessThan(1e-10 * (1 + Math.abs(want[a]!)));
    });

    test(`${c.name}: gradient and Hessian of Q match finite differences`, () => {
      const { p, x, r, n } = setup(c);
      const step = new GateStep(p, true);
      const theta = step.pack(p);
      const P = step.P;
      const q0 = step.derivatives(theta, p.tau, x, r, n);
      expect(q0).toBeCloseTo(step.objective(theta, p.tau, x, r, n), 12);
      const grad = Float64Array.from(step.grad);
      const M = Float64Array.from(step.M);
      const h = 1e-5;
      for (let a = 0; a < P; a++) {
        const plus = Float64Array.from(theta);
        const minus = Float64Array.from(theta);
        plus[a] = plus[a]! + h;
        minus[a] = minus[a]! - h;
        const fd = (step.objective(plus, p.tau, x, r, n) - step.objective(minus, p.tau, x, r, n)) / (2 * h);
        expect(Math.abs(grad[a]! - fd)).toBeLessThan(1e-7 * (1 + Math.abs(fd)));
        step.derivatives(plus, p.tau, x, r, n);
        const gp = Float64Array.from(step.grad);
        step.derivatives(minus, p.tau, x, r, n);
        for (let b = 0; b < P; b++) {
          const hess = (gp[b]! - step.grad[b]!) / (2 * h);
          expect(Math.abs(-M[b * P + a]! - hess)).toBeLessThan(1e-6 * (1 + Math.abs(hess)));
        }
      }
    });
  }

  test('a step never lowers Q, keeps the reference at 0 and fixes tau when asked', () => {
    for (const c of fixtures) {
      const { p, x, r, n } = setup(c);
      for (const fitTau of [true, false]) {
        const q = cloneParams(p);
        const step = new GateStep(q, fitTau);
        const before = step.objective(step.pack(q), q.tau, x, r, n);
        const gain = step.run(q, x, r, n, 3);
        const after = step.objective(step.pack(q), q.tau, x, r, n);
        expect(after).toBeGreaterThanOrEqual(before);
        expect(after - before).toBeCloseTo(gain, 9);
        expect(q.beta0[q.k - 1]).toBe(0);
        for (let j = 0; j < q.d; j++) expect(q.beta1[(q.k - 1) * q.d + j]).toBe(0);
        if (!fitTau || q.gate === 'softmax') expect(q.tau).toBe(p.tau);
      }
    }
  });
});
