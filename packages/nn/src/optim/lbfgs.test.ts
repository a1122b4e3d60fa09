import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { cubicInterpolate, LBFGS, type LBFGSOptions } from './index.js';
import { testBackends } from '../test-util/backends.js';
import { mismatch, optimFixtures, type LBFGSCase } from '../test-util/optim-fixtures.js';

const backends = await testBackends();
const fx = optimFixtures();

type Dt = 'float32' | 'float64';
const dtypeOf = (device: Backend): Dt => (device.name === 'cpu' ? 'float64' : 'float32');
const arr = (dt: Dt, v: number[]): Float32Array | Float64Array => (dt === 'float64' ? Float64Array.from(v) : Float32Array.from(v));

/** sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 */
function rosenbrock(x: Tensor): Tensor {
  return T.tidy(() => {
    const n = x.shape[0]!;
    const head = x.narrow(0, 0, n - 1);
    const tail = x.narrow(0, 1, n - 1);
    return tail.sub(head.square()).square().mul(100).add(T.sub(1, head).square()).sum();
  });
}

/** A closure that recomputes f over the parameters (flattened and concatenated) with gradients. */
function closureFor(opt: LBFGS, params: Tensor[], f: (x: Tensor) => Tensor): () => Tensor {
  return () => {
    opt.zeroGrad();
    const loss = T.tidy(() => f(T.concat(params.map((p) => p.reshape(-1)))));
    loss.backward();
    return loss;
  };
}

function problemOf(c: LBFGSCase, device: Backend, dt: Dt): { f: (x: Tensor) => Tensor; dispose: () => void } {
  if (c.problem === 'rosenbrock') return { f: rosenbrock, dispose: () => {} };
  const n = c.b!.length;
  const A = T.tensor(arr(dt, c.A!.flat()), { shape: [n, n], dtype: dt, device });
  const b = T.tensor(arr(dt, c.b!), { dtype: dt, device });
  return {
    f: (x) => T.tidy(() => x.mul(A.matmul(x)).sum().mul(0.5).sub(x.mul(b).sum())),
    dispose: () => T.dispose([A, b]),
  };
}

describe('cubicInterpolate', () => {
  test('finds the minimum of a cubic through two points with slopes', () => {
    // f(x) = (x - 1)^2 (x + 2) has a local minimum at x = 1; f' = 3x^2 - 3
    const f = (x: number): number => (x - 1) ** 2 * (x + 2);
    const df = (x: number): number => 3 * x * x - 3;
    expect(cubicInterpolate(0, f(0), df(0), 2, f(2), df(2))).toBeCloseTo(1, 12);
    expect(cubicInterpolate(2, f(2), df(2), 0, f(0), df(0))).toBeCloseTo(1, 12);
    expect(cubicInterpolate(0, f(0), df(0), 2, f(2), df(2), [1.5, 3])).toBe(1.5);
    // no real minimiser: the middle of the bounds
    expect(cubicInterpolate(0, 0, 2, 1, 1.3, 2, [0, 4])).toBe(2);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('LBFGS on %s', (_n, device) => {
  const dt = dtypeOf(device);
  const gpu = device.name !== 'cpu';
  // float64 on cpu follows PyTorch's float64 path to rounding; float32 on webgpu only the quadratics, loosely.
  const cases = fx.lbfgs.filter((c) => !gpu || c.problem === 'quadratic');

  test.each(cases.map((c) => [c.name, c] as const))('%s: the iterate path matches PyTorch', async (_name, c) => {
    const before = T.memory().liveTensors;
    const { f, dispose } = problemOf(c, device, dt);
    let off = 0;
    const params = c.shapes.map((s) => {
      const k = s.reduce((a, b) => a * b, 1);
      const p = T.tensor(arr(dt, c.x0.slice(off, off + k)), { shape: s, dtype: dt, device, requiresGrad: true });
      off += k;
      return p;
    });
    const opt = new LBFGS(params, c.options as LBFGSOptions);
    const closure = closureFor(opt, params, f);
    const [rtol, atol] = gpu ? [2e-3, 2e-4] : [1e-9, 1e-11];
    for (let k = 0; k < c.calls; k++) {
      const want = c.path[k]!;
      const loss = await opt.step(closure);
      expect(mismatch([loss], [want.loss], rtol, atol), `loss of call ${k + 1}`).toBeNull();
      for (let i = 0; i < params.length; i++) {
        expect(mismatch(await params[i]!.data(), want.params[i]!, rtol, atol), `call ${k + 1}, parameter ${i}`).toBeNull();
      }
      const st = opt.getState(params[0]!)!;
      if (!gpu) {
        expect(st.funcEvals, `func evals after call ${k + 1}`).toBe(want.funcEvals);
        expect(st.nIter, `iterations after call ${k + 1}`).toBe(want.nIter);
      }
    }
    opt.zeroGrad();
    opt.dispose();
    T.dispose(params);
    dispose();
    expect(T.memory().liveTensors).toBe(before);
  }, 30_000);

  test('minimises the Rosenbrock function', async () => {
    const before = T.memory().liveTensors;
    const x = T.tensor(arr(dt, [-1.2, 1, -0.5, 0.8, 1.5, -1]), { dtype: dt, device, requiresGrad: true });
    const opt = new LBFGS([x], { lineSearch: 'strongWolfe', maxIter: 200, maxEval: 400, toleranceGrad: gpu ? 1e-6 : 1e-12, toleranceChange: 0 });
    const closure = closureFor(opt, [x], rosenbrock);
    for (let k = 0; k < 3; k++) await opt.step(closure);
    const got = Array.from(await x.data());
    const err = Math.max(...got.map((v) => Math.abs(v - 1)));
    expect(err).toBeLessThan(gpu ? 1e-3 : 1e-9);
    const final = closure();
    const f = await final.item();
    final.dispose();
    expect(f).toBeLessThan(gpu ? 1e-6 : 1e-20);
    console.log(`[lbfgs] ${device.name} ${dt} Rosenbrock 6-d: max |x - 1| = ${err.toExponential(2)}, f = ${f.toExponential(2)}, ${opt.getState(x)!.funcEvals} evaluations`);
    opt.zeroGrad();
    opt.dispose();
    x.dispose();
    expect(T.memory().liveTensors).toBe(before);
  }, 30_000);

  test('solves a least-squares problem to tight tolerance (two parameters, fixed seed)', async () => {
    const before = T.memory().liveTensors;
    T.manualSeed(11);
    const m = 40;
    const n = 6;
    const A64 = T.randn([m, n], { device: 'cpu', dtype: 'float64' });
    const xTrue64 = T.randn([n], { device: 'cpu', dtype: 'float64' });
    const xTrue = Array.from(xTrue64.dataSync());
    // A consistent system (the minimum loss is 0), so the loss itself resolves x to full precision.
    const Av = Array.from(A64.dataSync());
    const bv = Array.from({ length: m }, (_, r) => xTrue.reduce((s, v, j) => s + Av[r * n + j]! * v, 0));
    // The exact solution from the normal equations, in float64 JS.

    const N = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Av.reduce((s, _v, r) => (r < m ? s + Av[r * n + i]! * Av[r * n + j]! : s), 0)));
    const rhs = Array.from({ length: n }, (_, i) => bv.reduce((s, v, r) => s + Av[r * n + i]! * v, 0));
    const xStar = solve(N, rhs);
    const A = T.tensor(arr(dt, Av), { shape: [m, n], dtype: dt, device });
    const b = T.tensor(arr(dt, bv), { dtype: dt, device });
    // x split into a [2, 2] weight and a [2] tail, to exercise the flattening
    const w = T.zeros([2, 2], { dtype: dt, device, requiresGrad: true });
    const t = T.zeros([2], { dtype: dt, device, requiresGrad: true });
    const opt = new LBFGS([w, t], { lineSearch: 'strongWolfe', maxIter: 100, toleranceGrad: gpu ? 1e-7 : 1e-14, toleranceChange: 0 });
    const f = (x: Tensor): Tensor => T.tidy(() => A.matmul(x).sub(b).square().sum().mul(0.5 / m));
    const closure = closureFor(opt, [w, t], f);
    await opt.step(closure);
    const got = [...Array.from(await w.data()), ...Array.from(await t.data())];
    const err = Math.max(...got.map((v, i) => Math.abs(v - xStar[i]!)));
    console.log(`[lbfgs] ${device.name} ${dt} least squares 40x6: max |x - x*| = ${err.toExponential(2)}, ${opt.getState(w)!.funcEvals} evaluations`);
    expect(err).toBeLessThan(gpu ? 1e-5 : 1e-11);
    opt.zeroGrad();
    opt.dispose();
    T.dispose([A64, xTrue64, A, b, w, t]);
    expect(T.memory().liveTensors).toBe(before);
  }, 30_000);

  test('returns at once when the gradient is already below toleranceGrad; closure may return a number', async () => {
    const x = T.tensor(arr(dt, [1, 1]), { dtype: dt, device, requiresGrad: true });
    const opt = new LBFGS([x]);
    let calls = 0;
    const loss = await opt.step(async () => {
      calls++;
      opt.zeroGrad();
      const l = rosenbrock(x);
      l.backward();
      const v = await l.item();
      l.dispose();
      return v;
    });
    expect(loss).toBe(0);
    expect(calls).toBe(1);
    expect(Array.from(await x.data())).toEqual([1, 1]);
    expect(() => new LBFGS([{ params: [x] }, { params: [T.zeros([1], { device, dtype: dt })] }] as never)).toThrow(/parameter groups/);
    opt.zeroGrad();
    opt.dispose();
    x.dispose();
  });
});

/** Gaussian elimination with partial pivoting (float64). */
function solve(M: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const a = M.map((row, i) => [...row, rhs[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    for (let r = c + 1; r < n; r++) {
      const k = a[r]![c]! / a[c]![c]!;
      for (let j = c; j <= n; j++) a[r]![j]! -= k * a[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r]![n]!;
    for (let j = r + 1; j < n; j++) s -= a[r]![j]! * x[j]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}
