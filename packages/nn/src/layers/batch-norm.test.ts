import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { testBackends } from '../test-util/backends.js';
import { compareFixture, fixtureTensor, type FixtureTensor } from '../test-util/fixtures.js';
import { BatchNorm1d } from './batch-norm.js';

/**
 * BatchNorm1d against PyTorch (test/fixtures/batchnorm.json, from tools/fixtures/gen_nn_fixtures.py):
 * per case two training steps (output, gradients of <output, cotangent> for the input, weight
 * and bias, the running statistics after each step) and one eval step. Values are PyTorch's
 * float64 answer rounded to float32; tolerances as nn's other fixture tests.
 */
interface BatchNormStep {
  mode: 'train' | 'eval';
  input: FixtureTensor;
  output: FixtureTensor;
  cotangent: FixtureTensor;
  grads: { input: FixtureTensor; params: Record<string, FixtureTensor> };
  buffers: Record<string, FixtureTensor>;
}
interface BatchNormCase {
  name: string;
  config: { numFeatures: number; eps: number; momentum: number | null; affine: boolean; trackRunningStats: boolean };
  state: Record<string, FixtureTensor>;
  steps: BatchNormStep[];
}

const cases = (JSON.parse(readFileSync(fileURLToPath(new URL('../../test/fixtures/batchnorm.json', import.meta.url)), 'utf8')) as { cases: BatchNormCase[] }).cases;
const RTOL: Record<string, number> = { cpu: 1e-5, webgpu: 1e-4 };
const backends = await testBackends();
const cpu = backends[0]!;

describe.each(backends.map((b) => [b.name, b] as const))('BatchNorm1d vs PyTorch on %s', (_name, device) => {
  const rtol = RTOL[device.name]!;
  for (const c of cases) {
    test(c.name, async () => {
      const before = T.memory().liveTensors;
      const { numFeatures, ...options } = c.config;
      const m = new BatchNorm1d(numFeatures, { ...options, device });
      const buffers = c.config.trackRunningStats ? ['running_mean', 'running_var', 'num_batches_tracked'] : [];
      expect(Object.keys(m.stateDict())).toEqual([...Object.keys(c.state), ...buffers]);
      const sd = Object.fromEntries(Object.entries(c.state).map(([n, f]) => [n, fixtureTensor(f, device)]));
      m.loadStateDict(sd, { strict: false });
      T.dispose(sd);
      for (const [k, s] of c.steps.entries()) {
        if (s.mode === 'train') m.train();
        else m.eval();
        m.zeroGrad();
        const x = fixtureTensor(s.input, device, true);
        const y = m.forward(x);
        expect(await compareFixture(y, s.output, rtol), `step ${k} output`).toBeNull();
        const cot = fixtureTensor(s.cotangent, device);
        y.backward(cot);
        expect(await compareFixture(x.grad, s.grads.input, rtol), `step ${k} grad of input`).toBeNull();
        for (const [n, g] of Object.entries(s.grads.params)) {
          expect(await compareFixture(m.getParameter(n).grad, g, rtol), `step ${k} grad of ${n}`).toBeNull();
        }
        const state = m.stateDict();
        for (const [n, b] of Object.entries(s.buffers)) {
          if (b.dtype === 'int32') expect(Array.from(await state[n]!.data()), `step ${k} ${n}`).toEqual(b.data);
          else expect(await compareFixture(state[n]!, b, rtol), `step ${k} ${n}`).toBeNull();
        }
        T.dispose([x.grad!, x, y, cot]);
      }
      m.dispose();
      expect(T.memory().liveTensors, 'live tensors after disposing everything').toBe(before);
    });
  }
});

describe('BatchNorm1d', () => {
  test("PyTorch's defaults, names and repr; buffers move with to()", async () => {
    const m = new BatchNorm1d(4, { device: cpu });
    expect([m.eps, m.momentum]).toEqual([1e-5, 0.1]);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(Array.from(await m.runningVar!.data())).toEqual([1, 1, 1, 1]);
    expect(m.numBatchesTracked!.dtype).toBe('int32');
    expect(m.toString()).toBe('BatchNorm1d(4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
    const gpu = backends.find((b) => b.name === 'webgpu');
    if (gpu) {
      await m.to(gpu);
      expect(m.runningMean!.backend).toBe(gpu);
      const y = m.forward(T.randn([3, 4], { device: gpu }));
      expect(await m.numBatchesTracked!.item()).toBe(1);
      y.dispose();
    }
    m.dispose();
    const bare = new BatchNorm1d(2, { affine: false, trackRunningStats: false, momentum: null });
    expect(bare.parameters()).toEqual([]);
    expect(bare.buffers()).toEqual([]);
    bare.dispose();
  });

  test('eval mode with no batches seen normalises by the initial statistics (x / sqrt(1 + eps))', async () => {
    const m = new BatchNorm1d(2, { device: cpu, eps: 0.25 }).eval();
    const x = T.tensor([[1, -2], [3, 4]], { device: cpu });
    const y = m.forward(x);
    expect(await compareFixture(y, { shape: [2, 2], data: [1, -2, 3, 4].map((v) => v / Math.sqrt(1.25)) }, 1e-6)).toBeNull();
    expect(await m.numBatchesTracked!.item()).toBe(0);
    T.dispose([x, y]);
    m.dispose();
  });

  test('bad options and inputs are typed errors naming the layer', () => {
    expect(() => new BatchNorm1d(0)).toThrow(/BatchNorm1d: numFeatures must be a positive integer, got 0/);
    expect(() => new BatchNorm1d(3, { momentum: 1.5 })).toThrow(/BatchNorm1d: momentum must be in \[0, 1\], got 1.5/);
    expect(() => new BatchNorm1d(3, { eps: -1 })).toThrow(/BatchNorm1d: eps must be a finite number >= 0/);
    const m = new BatchNorm1d(3, { device: cpu });
    const bad = [T.zeros([2, 4], { device: cpu }), T.zeros([2], { device: cpu }), T.zeros([2, 3, 4, 5], { device: cpu })];
    for (const x of bad) expect(() => m.forward(x)).toThrow(T.ShapeError);
    expect(() => m.forward(bad[0]!)).toThrow('BatchNorm1d(3): expected input of shape [N, 3] or [N, 3, L], got [2, 4]');
    const one = T.zeros([1, 3], { device: cpu });
    expect(() => m.forward(one)).toThrow(/BatchNorm1d\(3\): expected more than 1 value per channel when training/);
    const ints = T.zeros([2, 3], { device: cpu, dtype: 'int32' });
    expect(() => m.forward(ints)).toThrow(T.DTypeError);
    T.dispose([bad, one, ints]);
    m.dispose();
  });
});
