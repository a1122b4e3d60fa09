import { describe, expect, test } from 'vitest';
import { ShapeError, ValueError } from '@nonlinear/tensor';
import { RECOVERY_TRUTHS } from '../test-util/gaussian-truths.js';
import { cloneParams, fitEM, initNearTruth, logLikelihood, protocolTruth, sampleGaussianMoE, type FitResult, type GaussianMoEParams } from './index.js';

/**
 * The worst ratio |est - truth| / (rel (1 + |truth|)) over the entries (<= 1: within tolerance);
 * `block` measures every entry against the largest |truth| instead (gate parameters: the error
 * of a zero slope scales with its siblings').
 */
function worst(est: ArrayLike<number>, truth: ArrayLike<number>, rel: number, block = false): number {
  const top = Math.max(...Array.from(truth, Math.abs));
  let w = 0;
  for (let i = 0; i < truth.length; i++) w = Math.max(w, Math.abs(est[i]! - truth[i]!) / (rel * (1 + (block ? top : Math.abs(truth[i]!)))));
  return w;
}

/**
 * A start outside every recovery tolerance below: gate slopes halved, intercepts and expert
 * slopes moved by 0.25 (1 + their largest magnitude), tau up 50%, variances doubled.
 */
function farStart(truth: GaussianMoEParams): GaussianMoEParams {
  const p = initNearTruth(truth, truth.k, { seed: 22, scale: 0.05 });
  const shift = (v: Float64Array, ref: boolean): Float64Array => {
    const top = Math.max(...Array.from(v, Math.abs));
    return v.map((e, i) => (ref && i === v.length - 1 ? 0 : e + 0.25 * (1 + top)));
  };
  return {
    ...p, beta1: p.beta1.map((v) => 0.5 * v), beta0: shift(p.beta0, true), tau: truth.gate === 'softmax' ? 1 : 1.5 * p.tau,
    a: p.a.map((v) => v + 0.2 * (1 + Math.abs(v))), b: p.b.map((v) => v + 0.2 * (1 + Math.abs(v))), nu: p.nu.map((v) => 2 * v),
  };
}

function expectReferenceFixed(p: GaussianMoEParams): void {
  expect(p.beta0[p.k - 1]).toBe(0);
  for (let j = 0; j < p.d; j++) expect(p.beta1[(p.k - 1) * p.d + j]).toBe(0);
}

/** The log-likelihood history never goes down, to 1e-12 relative (tighter than fitEM's own failure check). */
function expectMonotone(r: FitResult): void {
  expect(r.history.length).toBe(r.iterations + 1);
  for (let t = 1; t < r.history.length; t++) expect(r.history[t]!).toBeGreaterThanOrEqual(r.history[t - 1]! - 1e-12 * Math.abs(r.history[t - 1]!));
}

describe('fitEM recovers known parameters (n = 10000)', () => {
  for (const [name, truth] of RECOVERY_TRUTHS) {
    test(name, () => {
      const data = sampleGaussianMoE(truth, 10000, { seed: 21 });
      const init = farStart(truth);
      const r = fitEM(data, init, { tolerance: 1e-9 });
      expect(r.failed).toBeUndefined();
      expect(r.converged).toBe(true);
      expectMonotone(r);
      expectReferenceFixed(r.params);
      // Only beta / tau is identified for the temperature gate: (c beta, c tau) is the same gate for every c > 0.
      const gateOf = (p: GaussianMoEParams): [Float64Array, Float64Array] =>
        p.gate === 'temperature' ? [p.beta1.map((v) => v / p.tau), p.beta0.map((v) => v / p.tau)] : [p.beta1, p.beta0];
      const [tb1, tb0] = gateOf(truth);
      const checks = (p: GaussianMoEParams): Record<string, number> => {
        const [b1, b0] = gateOf(p);
        return {
          beta1: worst(b1, tb1, 0.15, true), beta0: worst(b0, tb0, 0.15, true),
          a: worst(p.a, truth.a, 0.1), b: worst(p.b, truth.b, 0.1), nu: worst(p.nu.map((v, i) => v / truth.nu[i]!), truth.nu.map(() => 1), 0.075),
          ...(truth.gate === 'activation' ? { tau: Math.abs(p.tau / truth.tau - 1) / 0.15 } : {}),
        };
      };
      const start = checks(init);
      const end = checks(r.params);
      for (const key of Object.keys(end)) {
        expect(end[key], `${key} at the estimate`).toBeLessThanOrEqual(1);
        expect(start[key], `${key} at the start (outside the tolerance, so the check means something)`).toBeGreaterThan(1);
      }
      // The estimate fits the sample at least as well as the truth does.
      expect(r.logLikelihood).toBeGreaterThanOrEqual(logLikelihood(truth, data.x, data.y));
      expect(r.logLikelihood).toBeCloseTo(logLikelihood(r.params, data.x, data.y), 8);
    });
  }

  test('temperature gate with fitTau false: tau stays, beta itself is recovered', () => {
    const truth = protocolTruth({ gate: 'temperature', tau: 0.5 });
    const data = sampleGaussianMoE(truth, 10000, { seed: 4 });
    const init = { ...initNearTruth(truth, 2, { seed: 5 }), tau: 0.5 };
    const r = fitEM(data, init, { fitTau: false });
    expect(r.converged).toBe(true);
    expect(r.params.tau).toBe(0.5);
    expect(worst(r.params.beta1, truth.beta1, 0.15, true)).toBeLessThanOrEqual(1);
    expect(worst(r.params.beta0, truth.beta0, 0.15, true)).toBeLessThanOrEqual(1);
  });
});

describe('fitEM likelihood and stopping rule', () => {
  const cases: [string, GaussianMoEParams, number][] = [
    ['softmax, over-specified k = 3', protocolTruth(), 3],
    ['temperature, over-specified k = 3', protocolTruth({ gate: 'temperature', tau: 0.7 }), 3],
    ['activation tanh, over-specified k = 3', protocolTruth({ gate: 'activation' }), 3],
    ['activation sigmoid, exact k = 2, far start', protocolTruth({ gate: 'activation', activation: 'sigmoid' }), 2],
  ];
  for (const [name, truth, k] of cases) {
    test(`${name}: the log-likelihood never decreases and the reference stays at 0`, () => {
      const data = sampleGaussianMoE(truth, 2000, { seed: 9 });
      const init = initNearTruth(truth, k, { seed: 10, scale: k === 2 ? 0.8 : 0.2 });
      const r = fitEM(data, init, { tolerance: 1e-10, maxIterations: 150 });
      expect(r.failed).toBeUndefined();
      expect(r.iterations).toBeGreaterThan(3);
      expectMonotone(r);
      expectReferenceFixed(r.params);
      expect(r.history[r.history.length - 1]).toBeGreaterThan(r.history[0]!);
    });
  }

  test('stops at the first relative change below the tolerance', () => {
    const truth = protocolTruth();
    const data = sampleGaussianMoE(truth, 1000, { seed: 2 });
    const r = fitEM(data, initNearTruth(truth, 3, { seed: 3 }), { tolerance: 1e-6 });
    expect(r.converged).toBe(true);
    const h = r.history;
    const rel = (t: number): number => Math.abs(h[t]! - h[t - 1]!) / Math.abs(h[t - 1]!);
    expect(rel(h.length - 1)).toBeLessThanOrEqual(1e-6);
    for (let t = 1; t < h.length - 1; t++) expect(rel(t)).toBeGreaterThan(1e-6);
    expect(r.logLikelihood).toBe(h[h.length - 1]);
  });

  test('maxIterations: stops without converging and without a failure', () => {
    const truth = protocolTruth();
    const data = sampleGaussianMoE(truth, 1000, { seed: 2 });
    const r = fitEM(data, initNearTruth(truth, 3, { seed: 3 }), { maxIterations: 3, tolerance: 0 });
    expect(r).toMatchObject({ converged: false, iterations: 3 });
    expect(r.failed).toBeUndefined();
    expect(r.history.length).toBe(4);
    expect(fitEM(data, initNearTruth(truth, 3, { seed: 3 }), { maxIterations: 3, history: false }).history).toEqual([]);
  });

  test('does not modify init', () => {
    const truth = protocolTruth({ gate: 'activation' });
    const init = initNearTruth(truth, 2, { seed: 1 });
    const copy = cloneParams(init);
    fitEM(sampleGaussianMoE(truth, 500, { seed: 1 }), init, { maxIterations: 5 });
    expect(cloneParams(init)).toEqual(copy);
  });
});

describe('fitEM failures are flagged, not iterated on', () => {
  const truth = protocolTruth();
  const data = sampleGaussianMoE(truth, 500, { seed: 1 });

  test('variance collapse below the floor', () => {
    const r = fitEM(data, initNearTruth(truth, 2, { seed: 1 }), { varianceFloor: 0.12 });
    expect(r.failed?.reason).toBe('variance-collapse');
    expect(r.failed?.message).toMatch(/expert 0's variance .* below the floor 0.12/);
    expect(r.converged).toBe(false);
    // The returned estimate is the last valid iterate (here the start) with its log-likelihood.
    expect(r.logLikelihood).toBeCloseTo(logLikelihood(r.params, data.x, data.y), 8);
  });

  test('non-finite log-likelihood', () => {
    const y = Float64Array.from(data.y);
    y[0] = 1e200;
    const r = fitEM({ x: data.x, y }, initNearTruth(truth, 2, { seed: 1 }));
    expect(r.failed).toMatchObject({ reason: 'non-finite', iteration: 0 });
    expect(r.converged).toBe(false);
  });

  test('an expert with no responsibility', () => {
    const init = initNearTruth(truth, 2, { seed: 1 });
    init.b[0] = 1e4;
    init.nu[0] = 0.01;
    const r = fitEM(data, init);
    expect(r.failed?.reason).toBe('degenerate-expert');
    expect(r.failed?.message).toMatch(/expert 0/);
  });
});

describe('fitEM bad input', () => {
  const truth = protocolTruth();
  const data = sampleGaussianMoE(truth, 50, { seed: 1 });
  test('errors name the problem', () => {
    expect(() => fitEM(data, { ...cloneParams(truth), beta0: Float64Array.of(-8, 1) })).toThrow(/reference \(last\) expert/);
    expect(() => fitEM({ x: data.x, y: data.y.slice(1) }, truth)).toThrow(ShapeError);
    expect(() => fitEM({ x: new Float64Array(0), y: new Float64Array(0) }, truth)).toThrow(/empty/);
    expect(() => fitEM(data, truth, { maxIterations: 1.5 })).toThrow(/maxIterations must be an integer/);
    expect(() => fitEM(data, truth, { tolerance: -1 })).toThrow(ValueError);
    expect(() => fitEM(data, truth, { gateSteps: 0 })).toThrow(/gateSteps/);
    const bad = Float64Array.from(data.x);
    bad[3] = NaN;
    expect(() => fitEM({ x: bad, y: data.y }, truth)).toThrow(/data.x\[3\] is NaN/);
  });
});
