import { describe, expect, test } from 'vitest';
import * as T from '../index.js';
import type { Tensor } from '../tensor.js';
import { testBackends } from '../test-util/backends.js';

const backends = await testBackends();
const cpu = backends[0]!;

/** The composition from primitive ops that the one-kernel norms must equal. */
const layerNormRef = (x: Tensor, w: Tensor, b: Tensor, eps: number): Tensor => {
  const c = x.sub(x.mean(-1, true));
  return c.mul(c.square().mean(-1, true).add(eps).rsqrt()).mul(w).add(b);
};
const rmsNormRef = (x: Tensor, w: Tensor, eps: number): Tensor => x.mul(x.square().mean(-1, true).add(eps).rsqrt()).mul(w);

describe.each(backends.map((b) => [b.name, b] as const))('layerNorm and rmsNorm on %s', (_n, device) => {
  test('equal the composition, forward and gradients', async () => {
    T.manualSeed(9);
    const x = T.randn([6, 5, 48], { device, std: 2, mean: 0.5, requiresGrad: true });
    const w = T.randn([48], { device, requiresGrad: true });
    const b = T.randn([48], { device, requiresGrad: true });
    const g = T.randn([6, 5, 48], { device });
    for (const [fused, ref] of [
      [() => T.layerNorm(x, w, b, 1e-5), () => layerNormRef(x, w, b, 1e-5)],
      [() => T.rmsNorm(x, w, 1e-6), () => rmsNormRef(x, w, 1e-6)],
    ] as const) {
      const [yf, yr] = [T.tidy(fused), T.tidy(ref)];
      const gf = T.gradients([yf], [x, w], [g]);
      const gr = T.gradients([yr], [x, w], [g]);
      for (const [u, v] of [[yf, yr], ...gf.map((t, i) => [t!, gr[i]!])] as [Tensor, Tensor][]) {
        const [du, dv] = [await u.data(), await v.data()];
        for (let i = 0; i < du.length; i++) expect(Math.abs(du[i]! - dv[i]!)).toBeLessThan(2e-4 * (1 + Math.abs(dv[i]!)));
      }
    }
  });
});

describe('gradcheck in float64', () => {
  const f64 = (shape: number[], seed: number): Tensor => {
    T.manualSeed(seed);
    return T.randn(shape, { device: cpu, dtype: 'float64' });
  };
  test('layerNorm: first and second derivatives', async () => {
    const fn = (x: Tensor, w: Tensor, b: Tensor): Tensor => T.layerNorm(x, w, b);
    expect((await T.gradcheck(fn, [f64([3, 7], 1), f64([7], 2), f64([7], 3)])).ok).toBe(true);
    const second = (x: Tensor): Tensor => T.grad((u: Tensor) => T.layerNorm(u).pow(3).sum(), { createGraph: true })(x)[0]!;
    expect((await T.gradcheck(second, [f64([2, 5], 4)])).ok).toBe(true);
  });
  test('rmsNorm: first and second derivatives', async () => {
    const fn = (x: Tensor, w: Tensor): Tensor => T.rmsNorm(x, w);
    expect((await T.gradcheck(fn, [f64([3, 7], 5), f64([7], 6)])).ok).toBe(true);
    const second = (x: Tensor): Tensor => T.grad((u: Tensor) => T.rmsNorm(u).pow(3).sum(), { createGraph: true })(x)[0]!;
    expect((await T.gradcheck(second, [f64([2, 5], 7)])).ok).toBe(true);
  });
});

test.runIf(backends.some((b) => b.name === 'webgpu'))('the forward pass is one dispatch on webgpu', () => {
  const gpu = backends.find((b) => b.name === 'webgpu') as T.WebGPUBackend;
  const x = T.randn([64, 256], { device: gpu });
  const w = T.ones([256], { device: gpu });
  const before = gpu.dispatchCount;
  T.layerNorm(x, w, w);
  T.rmsNorm(x, w);
  expect(gpu.dispatchCount - before).toBe(2);
});
