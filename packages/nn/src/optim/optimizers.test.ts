import { afterEach, describe, expect, test, vi } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { Adam, AdamW, SGD, type Optimizer, type ParamGroupSpec } from './index.js';
import { testBackends } from '../test-util/backends.js';
import { mismatch, optimFixtures, type OptimizerCase } from '../test-util/optim-fixtures.js';

const backends = await testBackends();
const fx = optimFixtures();

function make(kind: OptimizerCase['optimizer'], groups: ParamGroupSpec<never>[] | Tensor[], options: Record<string, unknown>): Optimizer<never> {
  const params = groups as never;
  if (kind === 'sgd') return new SGD(params, options as never) as unknown as Optimizer<never>;
  if (kind === 'adam') return new Adam(params, options as never) as unknown as Optimizer<never>;
  return new AdamW(params, options as never) as unknown as Optimizer<never>;
}

function tol(device: Backend, dtype: string): { rtol: number; atol: number } {
  if (dtype === 'float64') return { rtol: 1e-12, atol: 1e-14 };
  return device.name === 'cpu' ? { rtol: 1e-6, atol: 1e-7 } : { rtol: 1e-5, atol: 1e-6 };
}

afterEach(() => vi.restoreAllMocks());

describe.each(backends.map((b) => [b.name, b] as const))('optimizers on %s', (_n, device) => {
  const cases = fx.optimizers.filter((c) => !(c.cpuOnly && device.name !== 'cpu'));

  test.each(cases.map((c) => [c.name, c] as const))('%s matches PyTorch step by step', async (_name, c) => {
    const before = T.memory().liveTensors;
    const params = c.params.map((p) => T.tensor(c.dtype === 'float64' ? Float64Array.from(p.data) : Float32Array.from(p.data), { shape: p.shape, dtype: c.dtype, device, requiresGrad: true }));
    const groups = c.groups.map((g) => ({ params: g.params.map((i) => params[i]!), ...g.options }));
    const opt = make(c.optimizer, groups as never, c.options);
    const { rtol, atol } = tol(device, c.dtype);
    for (let step = 0; step < c.expected.length; step++) {
      params.forEach((p, i) => {
        p.grad?.dispose();
        p.grad = T.tensor(c.dtype === 'float64' ? Float64Array.from(c.grads[step]![i]!) : Float32Array.from(c.grads[step]![i]!), { shape: p.shape, dtype: c.dtype, device });
      });
      opt.step();
      for (let i = 0; i < params.length; i++) {
        const bad = mismatch(await params[i]!.data(), c.expected[step]![i]!, rtol, atol);
        expect(bad, `step ${step + 1}, parameter ${i}`).toBeNull();
      }
    }
    opt.zeroGrad();
    opt.dispose();
    T.dispose(params);
    expect(T.memory().liveTensors).toBe(before);
  }, 30_000);

  test.each([
    ['SGD momentum', () => ({ kind: 'sgd', options: { lr: 0.1, momentum: 0.9, weightDecay: 0.01 } })],
    ['SGD nesterov', () => ({ kind: 'sgd', options: { lr: 0.1, momentum: 0.9, nesterov: true } })],
    ['Adam', () => ({ kind: 'adam', options: { lr: 0.01, weightDecay: 0.1 } })],
    ['AdamW amsgrad', () => ({ kind: 'adamw', options: { lr: 0.01, amsgrad: true } })],
  ] as const)('%s: one fused kernel per parameter per step, no new kernels when lr changes', async (_name, spec) => {
    const { kind, options } = spec();
    const params = [T.randn([4, 3], { device, requiresGrad: true }), T.randn([3], { device, requiresGrad: true }), T.randn([2, 2], { device, requiresGrad: true })];
    const opt = make(kind as OptimizerCase['optimizer'], params, options as Record<string, unknown>);
    const setGrads = (): void => params.forEach((p) => {
      p.grad?.dispose();
      p.grad = T.onesLike(p);
    });
    setGrads();
    opt.step(); // creates the moment buffers
    setGrads();
    const run = vi.spyOn(device, 'run');
    const gpu = device as unknown as { pipelineCount?: number };
    const pipelines = gpu.pipelineCount;
    for (let k = 0; k < 4; k++) {
      (opt.paramGroups[0] as { lr: number }).lr = 0.01 / (k + 1);
      opt.step();
    }
    // Every call is one elementwise kernel writing the parameter and its moments together.
    expect(run).toHaveBeenCalledTimes(4 * params.length);
    for (const call of run.mock.calls) {
      const kernel = call[0];
      expect(kernel.kind).toBe('elementwise');
      const outs = call[2];
      expect(outs.length).toBe(kind === 'sgd' ? 2 : kind === 'adamw' ? 4 : 3);
      if (kernel.kind === 'elementwise') expect(kernel.exprs.length).toBe(outs.length);
    }
    if (pipelines !== undefined) expect(gpu.pipelineCount).toBe(pipelines);
    await params[0]!.data();
    opt.zeroGrad();
    opt.dispose();
    T.dispose(params);
  });

  test('params with a null grad are skipped; zeroGrad disposes and nulls the gradients', async () => {
    const a = T.tensor([1, 2], { device, requiresGrad: true });
    const b = T.tensor([3, 4], { device, requiresGrad: true });
    const opt = new Adam([a, b], { lr: 0.1 });
    a.grad = T.tensor([1, -1], { device });
    opt.step();
    expect(Array.from(await b.data())).toEqual([3, 4]);
    expect(opt.getState(b)).toBeUndefined();
    const g = a.grad;
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
    const got = Array.from(await a.data());
    expect(got[0]).toBeCloseTo(0.9, 5);
    expect(got[1]).toBeCloseTo(2.1, 5);
    opt.dispose();
    T.dispose([a, b]);
  });

  test('step works after backward() inside tidy, and state survives the scope', async () => {
    const w = T.tensor([[1, 2], [3, 4]], { device, requiresGrad: true });
    const opt = new SGD([w], { lr: 0.1, momentum: 0.5 });
    const before = T.memory().liveTensors;
    for (let i = 0; i < 3; i++) {
      T.tidy(() => {
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
      });
    }
    // one gradient and one momentum buffer
    expect(T.memory().liveTensors).toBe(before + 2);
    // w <- w - 0.1 buf, buf = 0.5 buf + 2w
    let wv = [1, 2, 3, 4];
    let buf = [0, 0, 0, 0];
    for (let i = 0; i < 3; i++) {
      buf = buf.map((bv, j) => (i === 0 ? 2 * wv[j]! : 0.5 * bv + 2 * wv[j]!));
      wv = wv.map((x, j) => x - 0.1 * buf[j]!);
    }
    Array.from(await w.data()).forEach((v, j) => expect(v).toBeCloseTo(wv[j]!, 5));
    opt.zeroGrad();
    opt.dispose();
    w.dispose();
  });
});

describe('optimizer construction', () => {
  test('groups take the defaults for missing options and keep their own', () => {
    const a = T.zeros([2], { device: 'cpu', requiresGrad: true });
    const b = T.zeros([2], { device: 'cpu', requiresGrad: true });
    const opt = new AdamW([{ params: [a] }, { params: [b], weightDecay: 0, lr: 0.5 }], { lr: 0.01 });
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.01, weightDecay: 0.01, betas: [0.9, 0.999], eps: 1e-8, amsgrad: false });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.5, weightDecay: 0 });
    opt.lr = 0.2;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.2, 0.2]);
    opt.paramGroups[1]!.lr = 0.3;
    expect(opt.lr).toBe(0.2);
    expect(opt.params).toEqual([a, b]);
    T.dispose([a, b]);
  });

  test('bad arguments raise ValueError', () => {
    const a = T.zeros([2], { device: 'cpu', requiresGrad: true });
    expect(() => new SGD([], { lr: 0.1 })).toThrow(T.ValueError);
    expect(() => new SGD([a], { lr: -1 })).toThrow(/learning rate/);
    expect(() => new SGD([a], { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new Adam([a], { betas: [1, 0.9] })).toThrow(/beta/);
    expect(() => new Adam([{ params: [a] }, { params: [a] }])).toThrow(/more than one/);
    expect(() => new Adam([T.zeros([2], { device: 'cpu', dtype: 'int32' })])).toThrow(/float/);
    const y = T.tidy(() => a.mul(2));
    expect(() => new Adam([y])).toThrow(/non-leaf/);
    T.dispose([a, y]);
  });
});
