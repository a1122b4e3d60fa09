import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { bceWithLogits, crossEntropy, mse, nll, sequenceCrossEntropy } from './losses.js';
import { testBackends } from './test-util/backends.js';

const backends = await testBackends();
const cpu = backends[0]!;

const f64 = (shape: number[], scale = 1): Tensor => T.randn(shape, { device: cpu, dtype: 'float64', std: scale });
const ints = (data: number[], shape?: number[]): Tensor => T.tensor(data, { device: cpu, dtype: 'int32', shape });

/** gradcheck with a constant (non-differentiated) second argument. */
async function check(fn: (x: Tensor) => Tensor, x: Tensor): Promise<void> {
  const r = await T.gradcheck((a) => fn(a!), [x]);
  expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  x.dispose();
}

describe('gradcheck (float64, cpu)', () => {
  test('crossEntropy: plain, smoothing with ignoreIndex, [N, C, d], probabilities', async () => {
    T.manualSeed(21);
    const t = ints([0, 3, 1, 2, 3]);
    await check((x) => crossEntropy(x, t), f64([5, 4], 2));
    const ti = ints([0, -100, 1, 2, -100]);
    await check((x) => crossEntropy(x, ti, { labelSmoothing: 0.1 }), f64([5, 4], 2));
    await check((x) => crossEntropy(x, ti, { labelSmoothing: 0.2, reduction: 'none' }), f64([5, 4], 2));
    const td = ints([0, 2, 1, 1, 0, 2], [2, 3]);
    await check((x) => crossEntropy(x, td, { reduction: 'sum' }), f64([2, 3, 3], 2));
    const p = T.tidy(() => f64([3, 4]).softmax(-1));
    const r = await T.gradcheck((x, q) => crossEntropy(x!, q!, { labelSmoothing: 0.1 }), [f64([3, 4], 2), p]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    T.dispose([t, ti, td, p]);
  });

  test('sequenceCrossEntropy and nll', async () => {
    T.manualSeed(22);
    const t = ints([1, 0, 4, 2, 3, 4], [2, 3]);
    await check((x) => sequenceCrossEntropy(x, t), f64([2, 3, 5], 2));
    const t2 = ints([1, 0, 4, 2]);
    await check((lp) => nll(lp, t2, { ignoreIndex: 4 }), f64([4, 5]));
    T.dispose([t, t2]);
  });

  test('mse and bceWithLogits (with posWeight and weight) wrt both arguments', async () => {
    T.manualSeed(23);
    const r1 = await T.gradcheck((a, b) => mse(a!, b!), [f64([3, 4]), f64([3, 4])]);
    expect(r1.ok, JSON.stringify(r1.worst)).toBe(true);
    const pw = T.tensor([0.5, 2, 3], { device: cpu, dtype: 'float64' });
    const w = T.tensor([1, 0.5, 2], { device: cpu, dtype: 'float64' });
    const y = T.rand([4, 3], { device: cpu, dtype: 'float64' });
    const x0 = T.tensor([[0, 0, 0], [30, -30, 5], [-2, 1, 0.5], [3, -4, 0.1]], { device: cpu, dtype: 'float64' });
    const r2 = await T.gradcheck((x, t) => bceWithLogits(x!, t!, { posWeight: pw, weight: w }), [x0, y]);
    expect(r2.ok, JSON.stringify(r2.worst)).toBe(true);
    T.dispose([pw, w, y, x0]);
  });
});

describe('loss semantics', () => {
  for (const device of backends) {
    test(`${device.name}: every target ignored gives NaN for mean, 0 for sum (as PyTorch)`, async () => {
      const x = T.zeros([2, 3], { device });
      const t = T.tensor([-100, -100], { device, dtype: 'int32' });
      const m = crossEntropy(x, t);
      const s = crossEntropy(x, t, { reduction: 'sum' });
      expect(Number.isNaN(await m.item())).toBe(true);
      expect(await s.item()).toBe(0);
      T.dispose([x, t, m, s]);
    });

    test(`${device.name}: bceWithLogits stays finite for huge logits and has gradient sigmoid(x) - y at 0`, async () => {
      const x = T.tensor([-1000, 1000, 0], { device, requiresGrad: true });
      const y = T.tensor([1, 0, 1], { device });
      const l = bceWithLogits(x, y, { reduction: 'sum' });
      expect(await l.item()).toBeCloseTo(2000 + Math.log(2), 3);
      l.backward();
      const g = Array.from(await x.grad!.data());
      expect(g[0]).toBeCloseTo(-1, 6);
      expect(g[1]).toBeCloseTo(1, 6);
      expect(g[2]).toBeCloseTo(-0.5, 6);
      x.grad!.dispose();
      T.dispose([x, y, l]);
    });
  }
});

describe('loss errors are typed and name the loss', () => {
  test('shapes, dtypes, options, out-of-range targets', () => {
    const x = T.zeros([2, 4, 5], { device: cpu });
    const tBT = ints([0, 1, 2, 3, 0, 1, 2, 3], [2, 4]);
    expect(() => crossEntropy(x, tBT)).toThrow(T.ShapeError);
    expect(() => crossEntropy(x, tBT)).toThrow(
      'crossEntropy: target of shape [2, 4] does not match input [2, 4, 5] without its class dim 1 (expected [2, 5]); for [B, T, V] logits with [B, T] targets use sequenceCrossEntropy or classDim: -1',
    );
    const ok = crossEntropy(x, tBT, { classDim: -1 });
    ok.dispose();
    const tf = T.zeros([2, 5], { device: cpu, dtype: 'float32' });
    expect(() => crossEntropy(x, tf)).toThrow(/probability targets must have the input's shape \[2, 4, 5\], got \[2, 5\]/);
    const x2 = T.zeros([3, 4], { device: cpu });
    const bad = ints([0, 4, 1]);
    expect(() => crossEntropy(x2, bad)).toThrow(T.IndexError);
    expect(() => crossEntropy(x2, bad)).toThrow('crossEntropy: target 4 at flat position 1 is not a class in [0, 4) nor ignoreIndex -100');
    const good = ints([0, 1, 2]);
    expect(() => crossEntropy(x2, good, { reduction: 'avg' as never })).toThrow(/reduction must be 'mean', 'sum' or 'none', got 'avg'/);
    expect(() => crossEntropy(x2, good, { labelSmoothing: 2 })).toThrow(/labelSmoothing must be in \[0, 1\]/);
    expect(() => crossEntropy(x2, good, { classDim: 2 })).toThrow(T.AxisError);
    expect(() => crossEntropy(good, good)).toThrow(/crossEntropy: input must be float32 or float64, got int32/);
    const b = T.tensor([0, 1, 2], { device: cpu, dtype: 'bool' });
    expect(() => nll(x2, b)).toThrow(/nll: class-index targets must be int32, got bool/);
    const y = T.zeros([4, 3], { device: cpu });
    expect(() => mse(x2, y)).toThrow('mse: input [3, 4] and target [4, 3] must have the same shape');
    expect(() => bceWithLogits(x2, y)).toThrow(/bceWithLogits: logits \[3, 4\] and target \[4, 3\]/);
    expect(() => sequenceCrossEntropy(good.float(), good)).toThrow(/sequenceCrossEntropy: logits must be \[\.\.\., V\] with at least 2 dims/);
    T.dispose([x, tBT, tf, x2, bad, good, b, y]);
  });

  test('unbatched [C] input with a 0-d target', async () => {
    const x = T.tensor([1, 2, 3], { device: cpu });
    const t = T.tensor(2, { device: cpu, dtype: 'int32' });
    const l = crossEntropy(x, t);
    expect(await l.item()).toBeCloseTo(-(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3))), 6);
    T.dispose([x, t, l]);
  });
});
