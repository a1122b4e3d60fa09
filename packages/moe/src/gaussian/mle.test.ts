import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { fixtureParams, loadGaussianFixtures } from '../test-util/gaussian-fixtures.js';
import { coordinatesOf, logLikelihoodOf } from './mle.js';
import { gateActivation } from './sigma.js';
import { fitEM, fitMLE, initNearTruth, logLikelihood, protocolTruth, sampleGaussianMoE, type GaussianMoEParams } from './index.js';

const fixtures = loadGaussianFixtures();

describe('the MLE objective (tensor ops, autograd) against PyTorch', () => {
  for (const c of fixtures) {
    test(c.name, () => {
      const p = fixtureParams(c);
      const n = c.y.length;
      const X = T.tensor(Float64Array.from(c.x), { device: 'cpu', dtype: 'float64', shape: [n, p.d] });
      const Y = T.tensor(Float64Array.from(c.y), { device: 'cpu', dtype: 'float64' });
      const coords = coordinatesOf(p, true);
      const ll = logLikelihoodOf(coords, p, p.gate === 'activation' ? gateActivation(p.activation) : null, X, Y);
      expect(ll.dataSync()[0]).toBeCloseTo(c.logLikelihood, 11);
      expect(ll.dataSync()[0]).toBeCloseTo(logLikelihood(p, Float64Array.from(c.x), Float64Array.from(c.y)), 11);
      ll.backward();
      const pairs: [T.Tensor | null, number[] | undefined][] = [
        [coords.beta1, c.grad.beta1], [coords.beta0, c.grad.beta0], [coords.a, c.grad.a], [coords.b, c.grad.b], [coords.logNu, c.grad.log_nu], [coords.logTau, c.grad.log_tau],
      ];
      for (const [t, want] of pairs) {
        expect(t === null).toBe(want === undefined);
        if (!t || !want) continue;
        const got = t.grad!.dataSync();
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-10 * (1 + Math.abs(want[i]!)));
      }
    });
  }
});

describe('fitMLE', () => {
  const cases: [string, GaussianMoEParams, boolean][] = [
    ['softmax (protocol)', protocolTruth(), true],
    ['temperature, tau fixed', protocolTruth({ gate: 'temperature', tau: 0.5 }), false],
    ['activation tanh (protocol)', protocolTruth({ gate: 'activation' }), true],
  ];
  for (const [name, truth, fitTau] of cases) {
    test(`${name}: agrees with EM at convergence, log-likelihood never decreases`, async () => {
      // n large enough that the activation gate's MLE is interior (at n = 400 some samples drive
      // beta1, beta0, tau -> 0 together: the linear-gate boundary of the family).
      const data = sampleGaussianMoE(truth, 1000, { seed: 31 });
      const init = { ...initNearTruth(truth, 2, { seed: 32, scale: 0.3 }), ...(fitTau ? {} : { tau: truth.tau }) };
      const em = fitEM(data, init, { tolerance: 1e-12, fitTau, gateSteps: 3 });
      const mle = await fitMLE(data, init, { tolerance: 1e-10, fitTau });
      expect(em.converged).toBe(true);
      expect(mle.converged).toBe(true);
      expect(mle.failed).toBeUndefined();
      for (let t = 1; t < mle.history.length; t++) expect(mle.history[t]!).toBeGreaterThanOrEqual(mle.history[t - 1]! - 1e-12 * Math.abs(mle.history[t - 1]!));
      expect(mle.history[mle.history.length - 1]).toBeGreaterThan(mle.history[0]!);
      expect(Math.abs(mle.logLikelihood - em.logLikelihood)).toBeLessThan(1e-7 * Math.abs(em.logLikelihood));
      const q = mle.params;
      const e = em.params;
      for (const key of ['beta1', 'beta0', 'a', 'b', 'nu'] as const) {
        for (let i = 0; i < q[key].length; i++) expect(Math.abs(q[key][i]! - e[key][i]!), `${key}[${i}]`).toBeLessThan(1e-3 * (1 + Math.abs(e[key][i]!)));
      }
      expect(Math.abs(q.tau - e.tau)).toBeLessThan(1e-3 * e.tau);
      expect(q.beta0[1]).toBe(0);
      expect(q.beta1[1]).toBe(0);
      if (!fitTau) expect(q.tau).toBe(truth.tau);
    }, 60_000);
  }

  test('stops after maxIterations without converging; flags a non-finite start', async () => {
    const truth = protocolTruth();
    const data = sampleGaussianMoE(truth, 300, { seed: 1 });
    const init = initNearTruth(truth, 2, { seed: 2, scale: 0.5 });
    const r = await fitMLE(data, init, { maxIterations: 4, checkEvery: 2, tolerance: 0 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(4);
    expect(r.history.length).toBe(3);
    const y = Float64Array.from(data.y);
    y[5] = 1e200;
    const bad = await fitMLE({ x: data.x, y }, init, { maxIterations: 4 });
    expect(bad.failed?.reason).toBe('non-finite');
  }, 30_000);
});
