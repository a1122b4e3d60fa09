import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { ValueError } from '@nonlinear/tensor';
import { gateWeights, protocolTruth, sampleGaussianMoE, type GaussianMoEParams } from './index.js';

describe('sampleGaussianMoE', () => {
  const truth = protocolTruth();

  test('the same seed gives the same sample, another seed another one', () => {
    const a = sampleGaussianMoE(truth, 500, { seed: 7, x: 'uniform' });
    const b = sampleGaussianMoE(truth, 500, { seed: 7, x: 'uniform' });
    const c = sampleGaussianMoE(truth, 500, { seed: 8, x: 'uniform' });
    expect(b.x).toEqual(a.x);
    expect(b.y).toEqual(a.y);
    expect(b.z).toEqual(a.z);
    expect(c.y).not.toEqual(a.y);
    expect(c.x).not.toEqual(a.x);
  });

  test("leaves the tensor package's global generator where it was", () => {
    T.manualSeed(123);
    const first = T.rand([4], { device: 'cpu', dtype: 'float64' }).dataSync();
    T.manualSeed(123);
    sampleGaussianMoE(truth, 50, { seed: 1 });
    const again = T.rand([4], { device: 'cpu', dtype: 'float64' }).dataSync();
    expect(Array.from(again)).toEqual(Array.from(first));
  });

  test("x: 'grid' is linspace(0, 1, n) (the default for d = 1), given x is used as is", () => {
    const s = sampleGaussianMoE(truth, 11, { seed: 1 });
    expect(Array.from(s.x)).toEqual(Array.from({ length: 11 }, (_, i) => i / 10));
    const x = Float64Array.of(0.1, 0.9, 0.4);
    expect(sampleGaussianMoE(truth, 3, { seed: 1, x }).x).toEqual(x);
  });

  test('latent experts follow the gate and responses the experts (n = 20000)', () => {
    const n = 20000;
    const s = sampleGaussianMoE(truth, n, { seed: 3 });
    const g = gateWeights(truth, s.x);
    let expected = 0;
    let count = 0;
    const sum = [0, 0];
    const sq = [0, 0];
    const cnt = [0, 0];
    let within = 0;
    for (let i = 0; i < n; i++) {
      expected += g[i * 2]!;
      const z = s.z[i]!;
      if (z === 0) count++;
      const e = s.y[i]! - (truth.a[z]! * s.x[i]! + truth.b[z]!);
      sum[z]! += e;
      sq[z]! += e * e;
      cnt[z]! += 1;
      if (Math.abs(e) < Math.sqrt(truth.nu[z]!)) within++;
    }
    // Binomial standard deviation of the count is below sqrt(n) / 2 = 71; allow 4 of them.
    expect(Math.abs(count - expected)).toBeLessThan(4 * 71);
    for (const z of [0, 1]) {
      const mean = sum[z]! / cnt[z]!;
      const v = sq[z]! / cnt[z]!;
      expect(Math.abs(mean)).toBeLessThan((4 * Math.sqrt(truth.nu[z]!)) / Math.sqrt(cnt[z]!));
      expect(Math.abs(v / truth.nu[z]! - 1)).toBeLessThan(4 * Math.sqrt(2 / cnt[z]!));
    }
    // P(|N(0,1)| < 1) = 0.6827, standard deviation of the fraction below 0.0035.
    expect(Math.abs(within / n - 0.6827)).toBeLessThan(0.014);
  });

  test("x: 'uniform' in d = 2 has U[0, 1) coordinates", () => {
    const p: GaussianMoEParams = { ...protocolTruth(), d: 2, beta1: Float64Array.of(1, 2, 0, 0), a: Float64Array.of(1, 1, -1, 0) };
    const n = 20000;
    const s = sampleGaussianMoE(p, n, { seed: 11 });
    expect(s.x.length).toBe(2 * n);
    for (const j of [0, 1]) {
      let m = 0;
      let v = 0;
      for (let i = 0; i < n; i++) m += s.x[i * 2 + j]! / n;
      for (let i = 0; i < n; i++) v += (s.x[i * 2 + j]! - m) ** 2 / n;
      expect(Math.abs(m - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
      expect(Math.abs(v - 1 / 12)).toBeLessThan(0.003);
      expect(Math.min(...s.x.filter((_, i) => i % 2 === j))).toBeGreaterThanOrEqual(0);
      expect(Math.max(...s.x.filter((_, i) => i % 2 === j))).toBeLessThan(1);
    }
  });

  test('bad input', () => {
    const p2: GaussianMoEParams = { ...protocolTruth(), d: 2, beta1: new Float64Array(4), a: new Float64Array(4) };
    expect(() => sampleGaussianMoE(p2, 10, { seed: 1, x: 'grid' })).toThrow(/needs d = 1/);
    expect(() => sampleGaussianMoE(truth, 0, { seed: 1 })).toThrow(/n must be a positive integer/);
    expect(() => sampleGaussianMoE(truth, 10, { seed: -1 })).toThrow(/seed must be a non-negative/);
    expect(() => sampleGaussianMoE(truth, 10, { seed: 1.5 })).toThrow(ValueError);
    expect(() => sampleGaussianMoE(truth, 3, { seed: 1, x: Float64Array.of(1, 2) })).toThrow(/expected n d = 3/);
  });
});
