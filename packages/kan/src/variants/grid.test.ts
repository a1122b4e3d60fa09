import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { testBackends } from '../test-util/backends.js';
import { compareFixture, fixtureTensor, loadVariantFixtures } from './test-util/fixtures.js';
import { EfficientKANLayer, leastSquares } from './index.js';

const backends = await testBackends();
const fixtures = loadVariantFixtures();

async function maxAbsDiff(a: Tensor, b: Tensor): Promise<number> {
  const [da, db] = [await a.data(), await b.data()];
  let m = 0;
  for (let i = 0; i < da.length; i++) m = Math.max(m, Math.abs(da[i]! - db[i]!));
  return m;
}

describe.each(backends.map((b) => [b.name, b] as const))('EfficientKAN grids on %s', (_name, device) => {
  for (const c of fixtures.updateGrid) {
    test(`updateGrid matches efficient-kan's rule (unscaled refit): ${c.name}`, async () => {
      const { inFeatures: D, outFeatures: O, gridSize, splineOrder } = c.config;
      const layer = new EfficientKANLayer(D, O, { device, gridSize, splineOrder });
      const sd = { grid: fixtureTensor(c.grid, device), spline_weight: fixtureTensor(c.spline_weight, device) };
      layer.loadStateDict(sd, { strict: false });
      T.dispose(Object.values(sd));
      const scalerBefore = await layer.splineScaler!.data();
      const x = fixtureTensor(c.x, device);
      await layer.updateGrid(x);
      expect(await compareFixture(layer.grid, c.new_grid, 1e-6)).toBeNull();
      expect(await compareFixture(layer.splineWeight, c.new_spline_weight, 1e-5)).toBeNull();
      expect(await layer.splineScaler!.data()).toEqual(scalerBefore);
      x.dispose();
      layer.dispose();
    });
  }

  test('updateGrid keeps the layer output at the samples (they span every basis)', async () => {
    T.manualSeed(11);
    const layer = new EfficientKANLayer(3, 2, { device, scaleNoise: 3 });
    const x = T.rand([64, 3], { device, low: -0.8, high: 0.6 });
    const before = layer.forward(x);
    await layer.updateGrid(x);
    const after = layer.forward(x);
    // Five cubic pieces fit the old spline on the samples' range to well under its scale.
    expect(await maxAbsDiff(before, after)).toBeLessThan(2e-2 * (await before.abs().max().item()));
    T.dispose([x, before, after]);
    layer.dispose();
  });

  test('extendGrid g -> 2g keeps the output on the grid interior to rounding (nested spline spaces)', async () => {
    T.manualSeed(12);
    const layer = new EfficientKANLayer(4, 3, { device, scaleNoise: 2 });
    const x = T.rand([50, 4], { device, low: -1, high: 1 });
    const before = layer.forward(x);
    const params = layer.numParameters();
    await layer.extendGrid(10);
    expect(layer.gridSize).toBe(10);
    expect(layer.splineWeight.shape).toEqual([3, 4, 13]);
    expect(layer.grid.shape).toEqual([4, 17]);
    expect(layer.numParameters()).toBe(params + 3 * 4 * 5);
    expect(layer.namedParameters().map(([n]) => n)).toEqual(['base_weight', 'spline_weight', 'spline_scaler']);
    const after = layer.forward(x);
    expect(await maxAbsDiff(before, after)).toBeLessThan(2e-5 * (await before.abs().max().item()));
    T.dispose([x, before, after]);
    layer.dispose();
  });

  test('extendGrid from samples places the grid from them and keeps the output there', async () => {
    T.manualSeed(13);
    const layer = new EfficientKANLayer(3, 2, { device, scaleNoise: 2 });
    const x = T.rand([80, 3], { device, low: -0.7, high: 0.9 });
    const before = layer.forward(x);
    await layer.extendGrid(12, x);
    const after = layer.forward(x);
    // Quantile knots do not contain the old ones, so this is an approximation, not a re-expression.
    expect(await maxAbsDiff(before, after)).toBeLessThan(1e-2 * (await before.abs().max().item()));
    const [lo, hi] = [Math.min(...(await x.data())), Math.max(...(await x.data()))];
    const g = await layer.grid.data();
    // Interior knots 3 and 15 of input 0 lie near the samples' range (quantiles mixed with 2% of a uniform grid).
    expect(Math.abs(g[3]! - lo)).toBeLessThan(0.05);
    expect(Math.abs(g[15]! - hi)).toBeLessThan(0.05);
    T.dispose([x, before, after]);
    layer.dispose();
  });

  test('regularizationLoss matches efficient-kan and takes part in autograd', async () => {
    for (const c of fixtures.regularization) {
      const [O, D, n] = c.spline_weight.shape as [number, number, number];
      const layer = new EfficientKANLayer(D, O, { device, gridSize: n - 3 });
      const w = fixtureTensor(c.spline_weight, device);
      layer.loadStateDict({ spline_weight: w }, { strict: false });
      w.dispose();
      const loss = layer.regularizationLoss(c.regActivation, c.regEntropy);
      expect(loss.shape).toEqual([]);
      expect(await loss.item()).toBeCloseTo(c.loss, 4);
      const [g] = T.gradients([loss], [layer.splineWeight]);
      expect(await compareFixture(g!, c.grad, device.name === 'cpu' ? 1e-5 : 1e-4)).toBeNull();
      T.dispose([loss, g!]);
      layer.dispose();
    }
  });
});

describe('leastSquares (float64, host)', () => {
  test('solves a full-rank overdetermined system', () => {
    // y = 1 + 2 t at t = 0, 1, 2, 3: exact coefficients [1, 2].
    const a = Float64Array.from([1, 0, 1, 1, 1, 2, 1, 3]);
    const x = leastSquares(a, 4, 2, Float64Array.from([1, 3, 5, 7]), 1);
    expect(x[0]).toBeCloseTo(1, 8);
    expect(x[1]).toBeCloseTo(2, 8);
  });

  test('a basis no sample reaches (a zero column) gets 0 and the rest is still fit', () => {
    const a = Float64Array.from([1, 0, 0, 2, 0, 0, 3, 0, 0]);
    const x = leastSquares(a, 3, 3, Float64Array.from([2, 4, 6]), 1);
    expect(x[0]).toBeCloseTo(2, 8);
    expect(x[1]).toBe(0);
    expect(x[2]).toBe(0);
  });

  test('rank-deficient duplicate columns get the minimum-norm split', () => {
    const a = Float64Array.from([1, 1, 2, 2, 3, 3]);
    const x = leastSquares(a, 3, 2, Float64Array.from([2, 4, 6]), 1);
    expect(x[0]).toBeCloseTo(1, 6);
    expect(x[1]).toBeCloseTo(1, 6);
  });

  test('underdetermined systems get the minimum-norm solution', () => {
    // One sample, x0 + x1 + 2 x2 = 6: the minimum-norm solution is (1, 1, 2).
    const x = leastSquares(Float64Array.from([1, 1, 2]), 1, 3, Float64Array.from([6]), 1);
    expect(Array.from(x).map((v) => Number(v.toFixed(6)))).toEqual([1, 1, 2]);
  });

  test('NaN samples raise a typed error', () => {
    expect(() => leastSquares(Float64Array.from([NaN, 1]), 2, 1, Float64Array.from([1, 1]), 1)).toThrow(T.ValueError);
  });
});
