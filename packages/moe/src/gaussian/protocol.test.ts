import { describe, expect, test } from 'vitest';
import { gateWeights, initNearTruth, logDensity, protocolTruth, type GaussianMoEParams } from './index.js';

describe('protocolTruth', () => {
  test("the spec's softmax model", () => {
    const p = protocolTruth();
    expect(p).toMatchObject({ k: 2, d: 1, gate: 'softmax', tau: 1 });
    expect(Array.from(p.beta1)).toEqual([25, 0]);
    expect(Array.from(p.beta0)).toEqual([-8, 0]);
    expect(Array.from(p.a)).toEqual([-20, 20]);
    expect(Array.from(p.b)).toEqual([15, -5]);
    expect(Math.sqrt(p.nu[0]!)).toBeCloseTo(0.3, 15);
    expect(Math.sqrt(p.nu[1]!)).toBeCloseTo(0.4, 15);
  });

  test('the temperature gate at tau = 1 is the softmax model', () => {
    const t = protocolTruth({ gate: 'temperature' });
    expect(t.tau).toBe(1);
    const x = Float64Array.of(0, 0.3, 0.7);
    const y = Float64Array.of(10, 1, 9);
    expect(logDensity(t, x, y)).toEqual(logDensity(protocolTruth(), x, y));
    expect(protocolTruth({ gate: 'temperature', tau: 0.5 }).tau).toBe(0.5);
  });

  test('the activation gates switch experts inside [0, 1]', () => {
    for (const activation of ['tanh', 'sigmoid', 'gelu', 'silu', 'softplus', 'elu', 'gelu_tanh']) {
      const p = protocolTruth({ gate: 'activation', activation });
      expect(p.activation).toBe(activation);
      const g = gateWeights(p, Float64Array.of(0, 1));
      expect(g[0]).toBeLessThan(0.05);
      expect(g[2]).toBeGreaterThan(0.9);
    }
    expect(protocolTruth({ gate: 'activation' }).activation).toBe('tanh');
  });

  test('bad options', () => {
    expect(() => protocolTruth({ gate: 'softmax', tau: 2 })).toThrow(/tau = 1/);
    expect(() => protocolTruth({ gate: 'temperature', activation: 'tanh' })).toThrow(/activation gate/);
    expect(() => protocolTruth({ gate: 'activation', activation: 'relu' })).toThrow(/temperature gate/);
  });
});

describe('initNearTruth', () => {
  const truths: [string, GaussianMoEParams][] = [
    ['softmax', protocolTruth()],
    ['temperature', protocolTruth({ gate: 'temperature', tau: 0.8 })],
    ['activation', protocolTruth({ gate: 'activation' })],
  ];

  test('exact-specified: within a few scales of the truth, reference at 0, reproducible', () => {
    for (const [, truth] of truths) {
      const p = initNearTruth(truth, 2, { seed: 5, scale: 0.05 });
      expect(Array.from(p.cells)).toEqual([0, 1]);
      expect(p.beta1[1]).toBe(0);
      expect(p.beta0[1]).toBe(0);
      const far = (u: Float64Array, v: Float64Array): number => Math.max(...u.map((e, i) => Math.abs(e - v[i]!)));
      expect(far(p.beta1, truth.beta1)).toBeLessThan(0.25);
      expect(far(p.a, truth.a)).toBeLessThan(0.25);
      expect(far(p.b, truth.b)).toBeLessThan(0.25);
      expect(Math.max(...p.nu.map((v, i) => Math.abs(Math.log(v / truth.nu[i]!))))).toBeLessThan(0.25);
      expect(far(p.beta1, truth.beta1)).toBeGreaterThan(0);
      expect(initNearTruth(truth, 2, { seed: 5, scale: 0.05 }).a).toEqual(p.a);
      expect(initNearTruth(truth, 2, { seed: 6, scale: 0.05 }).a).not.toEqual(p.a);
    }
  });

  test('over-specified with scale 0: every cell keeps the true total gate weight', () => {
    for (const [name, truth] of truths) {
      for (const k of [3, 4, 5]) {
        const p = initNearTruth(truth, k, { seed: 1, scale: 0 });
        const x = Float64Array.from({ length: 21 }, (_, i) => i / 20);
        const g = gateWeights(p, x);
        const gt = gateWeights(truth, x);
        for (let s = 0; s < 21; s++) {
          const cell = [0, 0];
          for (let i = 0; i < k; i++) cell[p.cells[i]!]! += g[s * k + i]!;
          expect(cell[0], `${name} k=${k} x=${x[s]}`).toBeCloseTo(gt[s * 2]!, 12);
        }
        expect(p.beta0[k - 1]).toBe(0);
        expect(p.beta1[k - 1]).toBe(0);
      }
    }
  });

  test('over-specified: copies are consecutive, extra experts go round-robin from atom 1, split overrides', () => {
    const truth = protocolTruth();
    expect(Array.from(initNearTruth(truth, 3, { seed: 1 }).cells)).toEqual([0, 0, 1]);
    expect(Array.from(initNearTruth(truth, 4, { seed: 1 }).cells)).toEqual([0, 0, 1, 1]);
    expect(Array.from(initNearTruth(truth, 4, { seed: 1, split: [3, 1] }).cells)).toEqual([0, 0, 0, 1]);
    const p = initNearTruth(truth, 3, { seed: 2, scale: 0.1 });
    // The perturbation breaks the symmetry between the copies of atom 1.
    expect(p.a[0]).not.toBe(p.a[1]);
  });

  test('bad options', () => {
    const truth = protocolTruth();
    expect(() => initNearTruth(truth, 1, { seed: 1 })).toThrow(/k must be an integer >= the true k\* = 2/);
    expect(() => initNearTruth(truth, 3, { seed: 1, split: [1, 1] })).toThrow(/split must hold/);
    expect(() => initNearTruth(truth, 3, { seed: 1, scale: -1 })).toThrow(/scale/);
  });
});
