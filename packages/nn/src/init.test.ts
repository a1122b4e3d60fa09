import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import {
  calculateFanInAndFanOut, calculateGain, constant_, kaimingNormal_, kaimingUniform_, normal_, ones_, uniform_, xavierNormal_, xavierUniform_, zeros_,
} from './init.js';
import { testBackends } from './test-util/backends.js';

const backends = await testBackends();

function stats(v: ArrayLike<number>): { mean: number; std: number; maxAbs: number; min: number; max: number } {
  let s = 0;
  let s2 = 0;
  let maxAbs = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    s += x;
    s2 += x * x;
    maxAbs = Math.max(maxAbs, Math.abs(x));
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), maxAbs, min, max };
}

test('calculateGain and fans match torch.nn.init', () => {
  expect(calculateGain('linear')).toBe(1);
  expect(calculateGain('sigmoid')).toBe(1);
  expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
  expect(calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
  expect(calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
  expect(calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
  expect(calculateGain('selu')).toBe(0.75);
  expect(() => calculateGain('swish' as never)).toThrow(T.ValueError);
  expect(calculateFanInAndFanOut([32, 16])).toEqual({ fanIn: 16, fanOut: 32 });
  expect(calculateFanInAndFanOut([8, 4, 3, 3])).toEqual({ fanIn: 36, fanOut: 72 });
  expect(() => calculateFanInAndFanOut([5])).toThrow(/at least 2 dims, got shape \[5\]/);
});

for (const device of backends) {
  describe(device.name, () => {
    const make = (shape: number[]): Tensor => T.zeros(shape, { device });

    test('kaimingUniform_: U(-b, b) with b = gain * sqrt(3 / fan)', async () => {
      T.manualSeed(1);
      const w = kaimingUniform_(make([256, 128]));
      const b = Math.SQRT2 * Math.sqrt(3 / 128); // default leaky_relu with a = 0: gain sqrt(2)
      const s = stats(await w.data());
      expect(s.maxAbs).toBeLessThanOrEqual(b);
      expect(s.maxAbs).toBeGreaterThan(0.999 * b);
      expect(Math.abs(s.std / (b / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
      expect(Math.abs(s.mean)).toBeLessThan(0.01 * b);
      const fo = kaimingUniform_(make([64, 512]), { mode: 'fan_out', nonlinearity: 'relu' });
      expect(stats(await fo.data()).maxAbs).toBeLessThanOrEqual(Math.SQRT2 * Math.sqrt(3 / 64));
      expect(stats(await fo.data()).maxAbs).toBeGreaterThan(0.99 * Math.SQRT2 * Math.sqrt(3 / 64));
      T.dispose([w, fo]);
    });

    test('kaimingNormal_, xavierUniform_, xavierNormal_, normal_, uniform_ statistics', async () => {
      T.manualSeed(2);
      const kn = stats(await kaimingNormal_(make([200, 100]), { nonlinearity: 'relu' }).data());
      expect(Math.abs(kn.std / (Math.SQRT2 / 10) - 1)).toBeLessThan(0.02);
      const xu = stats(await xavierUniform_(make([100, 300]), 2).data());
      const xb = 2 * Math.sqrt(6 / 400);
      expect(xu.maxAbs).toBeLessThanOrEqual(xb);
      expect(xu.maxAbs).toBeGreaterThan(0.999 * xb);
      const xn = stats(await xavierNormal_(make([100, 300])).data());
      expect(Math.abs(xn.std / Math.sqrt(2 / 400) - 1)).toBeLessThan(0.02);
      const n = stats(await normal_(make([20000]), 3, 0.5).data());
      expect(Math.abs(n.mean - 3)).toBeLessThan(0.02);
      expect(Math.abs(n.std - 0.5)).toBeLessThan(0.01);
      const u = stats(await uniform_(make([20000]), -2, 6).data());
      expect(u.min).toBeGreaterThanOrEqual(-2);
      expect(u.max).toBeLessThan(6);
      expect(Math.abs(u.mean - 2)).toBeLessThan(0.05);
    });

    test('constant_, zeros_, ones_', async () => {
      const t = make([2, 3]);
      expect(Array.from(await constant_(t, 2.5).data())).toEqual([2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
      expect(Array.from(await ones_(t).data())).toEqual([1, 1, 1, 1, 1, 1]);
      expect(Array.from(await zeros_(t).data())).toEqual([0, 0, 0, 0, 0, 0]);
      const i = T.zeros([2], { device, dtype: 'int32' });
      expect(Array.from(await constant_(i, 7).data())).toEqual([7, 7]);
      T.dispose([t, i]);
    });

    test('reproducible under manualSeed, in place, on parameters that require grad', async () => {
      const p = T.zeros([16, 8], { device, requiresGrad: true });
      T.manualSeed(99);
      const out = kaimingUniform_(p);
      expect(out).toBe(p);
      const a = Array.from(await p.data());
      T.manualSeed(99);
      kaimingUniform_(p);
      expect(Array.from(await p.data())).toEqual(a);
      kaimingUniform_(p);
      expect(Array.from(await p.data())).not.toEqual(a);
      expect(p.requiresGrad).toBe(true);
      p.dispose();
    });

    test('errors name the initialiser', () => {
      const i = T.zeros([4, 4], { device, dtype: 'int32' });
      expect(() => normal_(i)).toThrow(T.DTypeError);
      expect(() => normal_(i)).toThrow(/normal_: can only fill float tensors/);
      const v = make([5]);
      expect(() => kaimingUniform_(v)).toThrow(/kaimingUniform_: fan in and fan out need a tensor of at least 2 dims/);
      expect(() => uniform_(v, 2, 1)).toThrow(/uniform_: need a <= b/);
      expect(() => kaimingNormal_(make([3, 3]), { mode: 'fan_avg' as never })).toThrow(/mode must be 'fan_in' or 'fan_out'/);
      T.dispose([i, v]);
    });
  });
}

test.skipIf(backends.length < 2)('uniform initialisers give bit-identical values on cpu and webgpu', async () => {
  const [cpu, gpu] = backends as [T.Backend, T.Backend];
  T.manualSeed(5);
  const a = kaimingUniform_(T.zeros([32, 16], { device: cpu }));
  T.manualSeed(5);
  const b = kaimingUniform_(T.zeros([32, 16], { device: gpu }));
  expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
  T.dispose([a, b]);
});
