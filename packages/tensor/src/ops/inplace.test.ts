import { describe, expect, test } from 'vitest';
import * as T from '../index.js';
import { call, type Expr } from '../expr.js';
import { testBackends } from '../test-util/backends.js';

const backends = await testBackends();

describe.each(backends.map((b) => [b.name, b] as const))('updateInPlace on %s', (_n, device) => {
  test('one kernel updates a parameter and its moment in place (SGD with momentum)', async () => {
    const p = T.tensor([1, 2, 3, 4], { device });
    const m = T.tensor([0.5, 0.5, 0.5, 0.5], { device });
    const g = T.tensor([1, -1, 2, 0], { device });
    // m = 0.9 m + g; p = p - 0.1 m
    T.updateInPlace('sgd', [p, m], [p, m, g, 0.9, 0.1], (pv: Expr, mv: Expr, gv: Expr, mu: Expr, lr: Expr) => {
      const m2 = call('add', call('mul', mu, mv), gv);
      return [call('sub', pv, call('mul', lr, m2)), m2];
    });
    const mWant = [0.5, 0.5, 0.5, 0.5].map((v, i) => 0.9 * v + [1, -1, 2, 0][i]!);
    const pWant = [1, 2, 3, 4].map((v, i) => v - 0.1 * mWant[i]!);
    Array.from(await m.data()).forEach((v, i) => expect(v).toBeCloseTo(mWant[i]!, 6));
    Array.from(await p.data()).forEach((v, i) => expect(v).toBeCloseTo(pWant[i]!, 6));
  });

  test('a strided target (a transposed view) is updated element for element', async () => {
    const base = T.arange(6, undefined, 1, { device }).reshape(2, 3);
    const t = base.mT;
    T.updateInPlace('scale', [t], [t, T.tensor([[1], [10], [100]], { device })], (a: Expr, b: Expr) => [call('mul', a, b)]);
    expect(await base.array()).toEqual([[0, 10, 200], [3, 40, 500]]);
  });

  test('refuses a tensor that requires grad outside noGrad', () => {
    const p = T.tensor([1, 2], { device, requiresGrad: true });
    expect(() => T.updateInPlace('x', [p], [p], (a: Expr) => [a])).toThrow(T.ValueError);
    expect(() => T.noGrad(() => T.updateInPlace('x', [p], [p, 2], (a: Expr, b: Expr) => [call('mul', a, b)]))).not.toThrow();
  });
});
