import { describe, expect, test } from 'vitest';
import * as T from '../index.js';
import type { Sym } from './fuse.js';
import type { Tensor } from '../tensor.js';
import { testBackends } from '../test-util/backends.js';

const backends = await testBackends();

// An 8-op chain of the kind activations and optimizers produce.
const chain = (x: Sym | Tensor, y: Sym | Tensor): Sym | Tensor =>
  (x as Tensor).mul(y as Tensor).add(1).tanh().mul(0.5).sub(x as Tensor).square().add(y as Tensor).sigmoid() as never;

describe.each(backends.map((b) => [b.name, b] as const))('fuse on %s', (_n, device) => {
  test('equals the unfused chain, with broadcasting and scalars', async () => {
    T.manualSeed(1);
    const x = T.randn([64, 32], { device });
    const y = T.randn([32], { device });
    const fused = T.fuse((a: Sym, b: Sym) => chain(a, b) as Sym)(x, y);
    const plain = T.tidy(() => chain(x, y) as Tensor);
    expect(fused.shape).toEqual([64, 32]);
    const [f, p] = [await fused.data(), await plain.data()];
    for (let i = 0; i < f.length; i++) expect(f[i]).toBeCloseTo(p[i]!, 6);
  });

  test('several outputs in one kernel', async () => {
    const x = T.tensor([1, 2, 3], { device });
    const [s, d] = T.fuse((a: Sym) => [a.mul(2), a.square().sub(1)])(x);
    expect(Array.from(await s!.data())).toEqual([2, 4, 6]);
    expect(Array.from(await d!.data())).toEqual([0, 3, 8]);
  });

  test('gradients (first and second order) match the unfused chain', async () => {
    T.manualSeed(2);
    const x0 = T.randn([5, 4], { device });
    const y0 = T.randn([4], { device });
    const f = T.fuse((a: Sym, b: Sym) => chain(a, b) as Sym);
    const grads = (g: (a: Tensor, b: Tensor) => Tensor) => T.grad((a: Tensor, b: Tensor) => g(a, b).sum())(x0, y0);
    const [gx, gy] = grads((a, b) => f(a, b));
    const [px, py] = grads((a, b) => chain(a, b) as Tensor);
    for (const [u, v] of [[gx, px], [gy, py]] as const) {
      const [du, dv] = [await u!.data(), await v!.data()];
      for (let i = 0; i < du.length; i++) expect(du[i]).toBeCloseTo(dv[i]!, 5);
    }
    const hess = (g: (a: Tensor) => Tensor) => T.grad((a: Tensor) => T.grad((b: Tensor) => g(b).sum(), { createGraph: true })(a)[0]!.sum())(x0)[0]!;
    const [h1, h2] = [await hess((a) => f(a, y0)).data(), await hess((a) => chain(a, y0) as Tensor).data()];
    for (let i = 0; i < h1.length; i++) expect(h1[i]).toBeCloseTo(h2[i]!, 4);
  });

  test('rejects tensors captured from outside and nested fusion', () => {
    const x = T.tensor([1, 2], { device });
    const outside = T.tensor([3, 4], { device });
    expect(() => T.fuse((a: Sym) => a.mul(outside as never))(x)).toThrow(/argument/);
  });
});

test.runIf(backends.some((b) => b.name === 'webgpu'))('a fused chain of 8 ops is one dispatch on webgpu', () => {
  const gpu = backends.find((b) => b.name === 'webgpu') as T.WebGPUBackend;
  const x = T.randn([1000], { device: gpu });
  const y = T.randn([1000], { device: gpu });
  const before = gpu.dispatchCount;
  T.fuse((a: Sym, b: Sym) => chain(a, b) as Sym)(x, y);
  expect(gpu.dispatchCount - before).toBe(1);
  const mid = gpu.dispatchCount;
  T.tidy(() => chain(x, y));
  expect(gpu.dispatchCount - mid).toBe(8);
});
