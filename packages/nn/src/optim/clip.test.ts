import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { clipGradNorm, clipGradValue } from './index.js';
import { testBackends } from '../test-util/backends.js';
import { mismatch, optimFixtures } from '../test-util/optim-fixtures.js';

const backends = await testBackends();
const fx = optimFixtures();

describe.each(backends.map((b) => [b.name, b] as const))('gradient clipping on %s', (_n, device) => {
  const rtol = device.name === 'cpu' ? 1e-6 : 1e-5;
  const atol = device.name === 'cpu' ? 1e-7 : 1e-6;

  test.each(fx.clip.map((c) => [c.name, c] as const))('%s matches PyTorch', async (_name, c) => {
    const before = T.memory().liveTensors;
    const params = c.grads.map((g, i) => {
      const shape = i === 0 ? [3, 4] : [5];
      const p = T.zeros(shape, { device, requiresGrad: true });
      p.grad = T.tensor(Float32Array.from(g), { shape, device });
      return p;
    });
    if (c.kind === 'norm') {
      const total = clipGradNorm(params, c.maxNorm!, c.normType);
      expect(total.shape).toEqual([]);
      expect(mismatch([await total.item()], [c.total!], rtol, atol)).toBeNull();
      total.dispose();
    } else {
      clipGradValue(params, c.clipValue!);
    }
    for (let i = 0; i < params.length; i++) expect(mismatch(await params[i]!.grad!.data(), c.expected[i]!, rtol, atol), `grad ${i}`).toBeNull();
    for (const p of params) p.grad?.dispose();
    T.dispose(params);
    expect(T.memory().liveTensors).toBe(before);
  });

  test('parameters without gradients are skipped; none at all gives a zero norm', async () => {
    const a = T.zeros([2], { device, requiresGrad: true });
    const b = T.zeros([2], { device, requiresGrad: true });
    b.grad = T.tensor([3, 4], { device });
    const total = clipGradNorm([a, b], 1);
    expect(await total.item()).toBeCloseTo(5, 5);
    expect(a.grad).toBeNull();
    const got = Array.from(await b.grad.data());
    expect(got[0]).toBeCloseTo(0.6, 5);
    expect(got[1]).toBeCloseTo(0.8, 5);
    const zero = clipGradNorm([a], 1);
    expect(await zero.item()).toBe(0);
    expect(zero.device).toBe(device.name);
    clipGradValue([a], 1);
    expect(() => clipGradNorm([b], 1, -1)).toThrow(T.ValueError);
    expect(() => clipGradValue([b], -1)).toThrow(T.ValueError);
    T.dispose([total, zero, b.grad, a, b]);
  });

  test('NaN gradients give a NaN norm and NaN gradients, as in PyTorch', async () => {
    const a = T.zeros([2], { device, requiresGrad: true });
    a.grad = T.tensor([NaN, 1], { device });
    const total = clipGradNorm([a], 1);
    expect(Number.isNaN(await total.item())).toBe(true);
    expect(Array.from(await a.grad.data()).every(Number.isNaN)).toBe(true);
    T.dispose([total, a.grad, a]);
  });
});
