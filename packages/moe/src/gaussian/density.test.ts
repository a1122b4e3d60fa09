import { describe, expect, test } from 'vitest';
import { ShapeError, ValueError } from '@nonlinear/tensor';
import { asFixtureTensor, compareFixture, fixtureParams, loadGaussianFixtures } from '../test-util/gaussian-fixtures.js';
import { cloneParams, conditionalDensity, fixReference, gateWeights, logDensity, logLikelihood, protocolTruth, type GaussianMoEParams } from './index.js';

const fixtures = loadGaussianFixtures();

/** log p(y|x) written out naively (no log-sum-exp), for small, well-scaled cases. */
function naiveLogDensity(p: GaussianMoEParams, x: number[], y: number): number {
  const sig: Record<string, (z: number) => number> = { tanh: Math.tanh, sigmoid: (z) => 1 / (1 + Math.exp(-z)) };
  const u: number[] = [];
  for (let i = 0; i < p.k; i++) {
    let z = 0;
    for (let j = 0; j < p.d; j++) z += p.beta1[i * p.d + j]! * x[j]!;
    u.push(p.gate === 'softmax' ? z + p.beta0[i]! : p.gate === 'temperature' ? (z + p.beta0[i]!) / p.tau : (sig[p.activation!]!(z) + p.beta0[i]!) / p.tau);
  }
  const denom = u.reduce((acc, v) => acc + Math.exp(v), 0);
  let dens = 0;
  for (let i = 0; i < p.k; i++) {
    let m = p.b[i]!;
    for (let j = 0; j < p.d; j++) m += p.a[i * p.d + j]! * x[j]!;
    dens += (Math.exp(u[i]!) / denom) * Math.exp(-((y - m) ** 2) / (2 * p.nu[i]!)) / Math.sqrt(2 * Math.PI * p.nu[i]!);
  }
  return Math.log(dens);
}

function modelOf(gate: GaussianMoEParams['gate'], k: number, d: number, activation?: string): GaussianMoEParams {
  const v = (n: number, f: (i: number) => number): Float64Array => Float64Array.from({ length: n }, (_, i) => f(i));
  const p: GaussianMoEParams = {
    k, d, gate, tau: gate === 'softmax' ? 1 : 0.6, ...(activation ? { activation } : {}),
    beta1: v(k * d, (i) => (i < (k - 1) * d ? 1.5 * Math.sin(3 * i + 1) : 0)), beta0: v(k, (i) => (i < k - 1 ? 0.4 * Math.cos(i + 2) : 0)),
    a: v(k * d, (i) => 2 * Math.cos(i)), b: v(k, (i) => i - 1), nu: v(k, (i) => 0.2 + 0.15 * i),
  };
  return p;
}

describe('log-likelihood against PyTorch', () => {
  for (const c of fixtures) {
    test(c.name, async () => {
      const p = fixtureParams(c);
      const x = Float64Array.from(c.x);
      const y = Float64Array.from(c.y);
      expect(await compareFixture(asFixtureTensor(logDensity(p, x, y)), { shape: [c.y.length], data: c.logDensity }, 1e-12)).toBeNull();
      expect(await compareFixture(asFixtureTensor(gateWeights(p, x)), { shape: [c.gateWeights.length], data: c.gateWeights }, 1e-12)).toBeNull();
      expect(logLikelihood(p, x, y)).toBeCloseTo(c.logLikelihood, 10);
    });
  }
});

describe('log-likelihood against the naive formula', () => {
  const cases: [GaussianMoEParams['gate'], number, number, string?][] = [
    ['softmax', 2, 1], ['softmax', 3, 2], ['temperature', 3, 1], ['activation', 2, 2, 'tanh'], ['activation', 3, 1, 'sigmoid'],
  ];
  for (const [gate, k, d, act] of cases) {
    test(`${gate}${act ? ` ${act}` : ''} k=${k} d=${d}`, () => {
      const p = modelOf(gate, k, d, act);
      const n = 13;
      const x = Float64Array.from({ length: n * d }, (_, i) => Math.sin(7.3 * i));
      const y = Float64Array.from({ length: n }, (_, s) => 1.5 * Math.cos(2.1 * s));
      const got = logDensity(p, x, y);
      let total = 0;
      for (let s = 0; s < n; s++) {
        const want = naiveLogDensity(p, Array.from(x.subarray(s * d, (s + 1) * d)), y[s]!);
        expect(Math.abs(got[s]! - want)).toBeLessThan(1e-12 * (1 + Math.abs(want)));
        total += want;
      }
      expect(Math.abs(logLikelihood(p, x, y) - total)).toBeLessThan(1e-11 * (1 + Math.abs(total)));
    });
  }

  test('stays finite far in the tails, where the naive formula underflows', () => {
    const p = protocolTruth();
    const ll = logLikelihood(p, Float64Array.of(0.5), Float64Array.of(1000));
    expect(naiveLogDensity(p, [0.5], 1000)).toBe(-Infinity);
    expect(Number.isFinite(ll)).toBe(true);
    // The experts' means at x = 0.5 are 5 and 5; the wider expert (nu = 0.16) dominates the tail.
    expect(ll).toBeCloseTo(-0.5 * Math.log(2 * Math.PI * 0.16) - 995 ** 2 / (2 * 0.16) + Math.log(1 / (1 + Math.exp(-8 + 12.5))), 6);
  });
});

describe('conditional density', () => {
  const models: [string, GaussianMoEParams][] = [
    ['protocol softmax', protocolTruth()],
    ['protocol temperature', protocolTruth({ gate: 'temperature', tau: 0.7 })],
    ['protocol activation tanh', protocolTruth({ gate: 'activation' })],
    ['activation sigmoid k=3 d=2', modelOf('activation', 3, 2, 'sigmoid')],
  ];
  for (const [name, p] of models) {
    test(`${name} integrates to 1 over y`, () => {
      const G = 8001;
      const grid = Float64Array.from({ length: G }, (_, t) => -40 + (80 * t) / (G - 1));
      const xs = Float64Array.from({ length: 5 * p.d }, (_, i) => (i % 5) / 4);
      const dens = conditionalDensity(p, xs, grid);
      expect(dens.length).toBe(5 * G);
      const h = 80 / (G - 1);
      for (let s = 0; s < 5; s++) {
        let integral = 0;
        for (let t = 0; t < G; t++) integral += (t === 0 || t === G - 1 ? 0.5 : 1) * dens[s * G + t]! * h;
        expect(Math.abs(integral - 1)).toBeLessThan(1e-9);
      }
    });
  }

  test('matches exp(logDensity) point by point', () => {
    const p = modelOf('temperature', 3, 2);
    const x = Float64Array.of(0.3, -0.2, 0.9, 0.4);
    const grid = [-2, 0, 0.5, 3];
    const dens = conditionalDensity(p, x, grid);
    for (let s = 0; s < 2; s++) {
      for (let t = 0; t < grid.length; t++) {
        const want = Math.exp(logDensity(p, x.slice(s * 2, s * 2 + 2), Float64Array.of(grid[t]!))[0]!);
        expect(dens[s * grid.length + t]).toBeCloseTo(want, 14);
      }
    }
  });
});

describe('the gate', () => {
  test('weights sum to 1 and follow the softmax of the logits', () => {
    const p = modelOf('softmax', 3, 2);
    const x = Float64Array.of(0.2, 0.7, -1, 0.5);
    const g = gateWeights(p, x);
    for (let s = 0; s < 2; s++) {
      const u = [0, 1, 2].map((i) => p.beta1[i * 2]! * x[s * 2]! + p.beta1[i * 2 + 1]! * x[s * 2 + 1]! + p.beta0[i]!);
      const z = u.reduce((acc, v) => acc + Math.exp(v), 0);
      for (let i = 0; i < 3; i++) expect(g[s * 3 + i]).toBeCloseTo(Math.exp(u[i]!) / z, 14);
    }
  });

  test('the protocol gate switches experts at x = 8/25', () => {
    const g = gateWeights(protocolTruth(), Float64Array.of(0, 8 / 25, 1));
    expect(g[0]).toBeCloseTo(1 / (1 + Math.exp(8)), 12);
    expect(g[2]).toBeCloseTo(0.5, 12);
    expect(g[4]).toBeCloseTo(1 / (1 + Math.exp(-17)), 12);
  });

  for (const gate of ['softmax', 'temperature'] as const) {
    test(`${gate}: translating every (beta1_i, beta0_i) by the same vector leaves the density unchanged`, () => {
      const p = modelOf(gate, 3, 2);
      const shifted = cloneParams(p);
      for (let i = 0; i < 3; i++) {
        shifted.beta1[i * 2] = p.beta1[i * 2]! + 1.7;
        shifted.beta1[i * 2 + 1] = p.beta1[i * 2 + 1]! - 0.6;
        shifted.beta0[i] = p.beta0[i]! + 2.5;
      }
      const x = Float64Array.from({ length: 20 }, (_, i) => Math.sin(i));
      const y = Float64Array.from({ length: 10 }, (_, i) => Math.cos(3 * i));
      const base = logDensity(p, x, y);
      const moved = logDensity(shifted, x, y);
      for (let s = 0; s < 10; s++) expect(moved[s]).toBeCloseTo(base[s]!, 12);
      // fixReference brings the translated model back to the reference form.
      const fixed = fixReference(shifted);
      for (let i = 0; i < 6; i++) expect(fixed.beta1[i]).toBeCloseTo(p.beta1[i]!, 12);
      for (let i = 0; i < 3; i++) expect(fixed.beta0[i]).toBeCloseTo(p.beta0[i]!, 12);
    });
  }

  test('activation: beta0 translations leave the density unchanged, beta1 translations do not', () => {
    const p = modelOf('activation', 3, 1, 'tanh');
    const x = Float64Array.from({ length: 10 }, (_, i) => i / 9);
    const y = Float64Array.from({ length: 10 }, (_, i) => Math.cos(3 * i));
    const base = logDensity(p, x, y);
    const b0 = cloneParams(p);
    for (let i = 0; i < 3; i++) b0.beta0[i] = p.beta0[i]! - 3;
    const moved = logDensity(b0, x, y);
    for (let s = 0; s < 10; s++) expect(moved[s]).toBeCloseTo(base[s]!, 12);
    const fixed = fixReference(b0);
    for (let i = 0; i < 3; i++) expect(fixed.beta0[i]).toBeCloseTo(p.beta0[i]!, 14);
    const b1 = cloneParams(p);
    for (let i = 0; i < 3; i++) b1.beta1[i] = p.beta1[i]! + 1;
    const changed = logDensity(b1, x, y);
    expect(Math.max(...changed.map((v, s) => Math.abs(v - base[s]!)))).toBeGreaterThan(1e-3);
    expect(() => fixReference(b1)).toThrow(/not invariant to translating beta1/);
  });
});

describe('bad input', () => {
  const p = protocolTruth();
  test('shapes', () => {
    expect(() => logLikelihood(p, Float64Array.of(1, 2), Float64Array.of(1))).toThrow(ShapeError);
    expect(() => gateWeights({ ...p, beta0: Float64Array.of(1) }, Float64Array.of(1))).toThrow(/params.beta0 has 1 entries, expected 2/);
  });
  test('values', () => {
    expect(() => logLikelihood({ ...p, nu: Float64Array.of(0.1, 0) }, Float64Array.of(1), Float64Array.of(1))).toThrow(/nu\[1\] = 0/);
    expect(() => logLikelihood({ ...p, tau: 2 }, Float64Array.of(1), Float64Array.of(1))).toThrow(/softmax gate has tau = 1/);
    expect(() => logLikelihood({ ...p, gate: 'activation' }, Float64Array.of(1), Float64Array.of(1))).toThrow(/needs params.activation/);
    expect(() => logLikelihood({ ...p, gate: 'activation', activation: 'relu' }, Float64Array.of(1), Float64Array.of(1))).toThrow(ValueError);
    expect(() => conditionalDensity(p, Float64Array.of(1), [0, NaN])).toThrow(/yGrid\[1\] is NaN/);
    expect(() => logLikelihood(p, [1] as unknown as Float64Array, Float64Array.of(1))).toThrow(/x must be a Float64Array/);
  });
});
