import { describe, expect, test } from 'vitest';
import * as T from '../index.js';
import type { Tensor } from '../tensor.js';
import { testBackends } from '../test-util/backends.js';

const cpu = await T.initBackend('cpu');
const f64 = (shape: number[], seed: number, positive = false): Tensor => {
  T.manualSeed(seed);
  const r = T.randn(shape, { device: cpu, dtype: 'float64' });
  if (!positive) return r;
  const p = r.abs().add(0.5);
  r.dispose();
  return p;
};

type Case = { name: string; fn: (...xs: Tensor[]) => Tensor; inputs: () => Tensor[] };
const idx = (data: number[], shape?: number[]): Tensor => T.tensor(Int32Array.from(data), { device: cpu, shape });

/** Every differentiable op, checked against central finite differences in float64. */
const CASES: Case[] = [
  ...(['neg', 'exp', 'tanh', 'sigmoid', 'sin', 'cos', 'erf', 'silu', 'square', 'softplus', 'expm1'] as const).map((n) => ({
    name: n,
    fn: (x: Tensor) => (x[n] as () => Tensor).call(x),
    inputs: () => [f64([3, 4], 1)],
  })),
  ...(['log', 'sqrt', 'rsqrt', 'reciprocal', 'log1p'] as const).map((n) => ({
    name: n,
    fn: (x: Tensor) => (x[n] as () => Tensor).call(x),
    inputs: () => [f64([3, 4], 2, true)],
  })),
  { name: 'abs', fn: (x) => x.abs(), inputs: () => [f64([5], 3, true).mul(T.tensor([1, -1, 1, -1, 1], { device: cpu, dtype: 'float64' }))] },
  { name: 'relu', fn: (x) => x.relu(), inputs: () => [f64([5], 3, true).mul(T.tensor([1, -1, 1, -1, 1], { device: cpu, dtype: 'float64' }))] },
  { name: 'gelu', fn: (x) => x.gelu(), inputs: () => [f64([6], 4)] },
  { name: 'gelu tanh', fn: (x) => x.gelu({ approximate: 'tanh' }), inputs: () => [f64([6], 4)] },
  { name: 'clamp', fn: (x) => x.clamp(-0.5, 0.7), inputs: () => [T.tensor([-2, -0.3, 0.1, 0.5, 3], { device: cpu, dtype: 'float64' })] },
  { name: 'pow 3', fn: (x) => x.pow(3), inputs: () => [f64([4], 5)] },
  { name: 'pow 2.5', fn: (x) => x.pow(2.5), inputs: () => [f64([4], 5, true)] },
  { name: 'pow tensor', fn: (x, y) => x.pow(y), inputs: () => [f64([3, 1], 6, true), f64([1, 4], 7)] },
  { name: 'add broadcast', fn: (x, y) => x.add(y), inputs: () => [f64([3, 1], 8), f64([4], 9)] },
  { name: 'sub broadcast', fn: (x, y) => x.sub(y), inputs: () => [f64([2, 3], 8), f64([3], 9)] },
  { name: 'mul broadcast', fn: (x, y) => x.mul(y), inputs: () => [f64([2, 1, 3], 10), f64([4, 1], 11)] },
  { name: 'mul same tensor', fn: (x) => x.mul(x), inputs: () => [f64([3], 10)] },
  { name: 'div broadcast', fn: (x, y) => x.div(y), inputs: () => [f64([2, 3], 12), f64([3], 13, true)] },
  { name: 'scalar ops', fn: (x) => T.div(2, x.mul(3).add(1).sub(0.5)), inputs: () => [f64([4], 14, true)] },
  { name: 'maximum', fn: (x, y) => x.maximum(y), inputs: () => [f64([5], 15), f64([5], 16)] },
  { name: 'minimum', fn: (x, y) => x.minimum(y), inputs: () => [f64([5], 15), f64([5], 16)] },
  { name: 'where', fn: (x, y) => T.where(x.gt(0), x, y), inputs: () => [f64([6], 17), f64([6], 18)] },
  { name: 'maskedFill', fn: (x) => x.maskedFill(x.lt(0), 0.25), inputs: () => [f64([6], 17)] },
  { name: 'sum dims', fn: (x) => x.sum([0, 2]), inputs: () => [f64([2, 3, 4], 19)] },
  { name: 'mean keepdim', fn: (x) => x.mean(1, true), inputs: () => [f64([2, 3, 4], 19)] },
  { name: 'max dim', fn: (x) => x.max(1), inputs: () => [f64([3, 5], 20)] },
  { name: 'min all', fn: (x) => x.min(), inputs: () => [f64([3, 5], 20)] },
  { name: 'prod', fn: (x) => x.prod(1), inputs: () => [f64([3, 4], 21, true)] },
  { name: 'var', fn: (x) => x.var(1), inputs: () => [f64([3, 5], 22)] },
  { name: 'std', fn: (x) => x.std([0, 1], { correction: 0 }), inputs: () => [f64([3, 5], 22)] },
  { name: 'logsumexp', fn: (x) => x.logsumexp(-1), inputs: () => [f64([3, 5], 23)] },
  { name: 'norm 2', fn: (x) => x.norm(2, 1), inputs: () => [f64([3, 5], 24)] },
  { name: 'norm 3', fn: (x) => x.norm(3), inputs: () => [f64([3, 5], 24)] },
  { name: 'norm inf', fn: (x) => x.norm('inf', 1), inputs: () => [f64([3, 5], 24)] },
  { name: 'softmax', fn: (x) => x.softmax(-1), inputs: () => [f64([3, 5], 25)] },
  { name: 'logSoftmax', fn: (x) => x.logSoftmax(0), inputs: () => [f64([3, 5], 25)] },
  { name: 'cumsum', fn: (x) => x.cumsum(1), inputs: () => [f64([3, 5], 26)] },
  { name: 'matmul', fn: (a, b) => T.matmul(a, b), inputs: () => [f64([3, 4], 27), f64([4, 2], 28)] },
  { name: 'matmul batched broadcast', fn: (a, b) => T.matmul(a, b), inputs: () => [f64([2, 1, 3, 4], 27), f64([3, 4, 2], 28)] },
  { name: 'matmul vector', fn: (a, b) => T.matmul(a, b), inputs: () => [f64([4], 27), f64([4, 3], 28)] },
  { name: 'matmul transposed', fn: (a, b) => T.matmul(a.mT, b), inputs: () => [f64([4, 3], 27), f64([4, 2], 28)] },
  { name: 'gather', fn: (x) => T.gather(x, 1, idx([0, 2, 2, 1, 0, 0], [3, 2])), inputs: () => [f64([3, 4], 29)] },
  { name: 'indexSelect', fn: (x) => T.indexSelect(x, 0, idx([2, 0, 2])), inputs: () => [f64([3, 4], 29)] },
  { name: 'embedding', fn: (w) => T.embedding(w, idx([1, 1, 0, 3], [2, 2])), inputs: () => [f64([4, 3], 30)] },
  { name: 'scatterAdd', fn: (x, s) => T.scatterAdd(x, 0, idx([0, 2, 0, 1, 1, 0], [2, 3]), s), inputs: () => [f64([3, 3], 31), f64([2, 3], 32)] },
  { name: 'topk', fn: (x) => T.topk(x, 2, 1).values, inputs: () => [f64([3, 5], 33)] },
  { name: 'concat', fn: (a, b) => T.concat([a, b], 1), inputs: () => [f64([2, 3], 34), f64([2, 2], 35)] },
  { name: 'stack', fn: (a, b) => T.stack([a, b], 0), inputs: () => [f64([2, 3], 34), f64([2, 3], 35)] },
  { name: 'split', fn: (x) => T.split(x, [1, 3], 1)[1]!, inputs: () => [f64([2, 4], 36)] },
  { name: 'pad', fn: (x) => T.pad(x, [1, 2, -1, 0], 0.5), inputs: () => [f64([3, 4], 37)] },
  { name: 'triu', fn: (x) => x.triu(1), inputs: () => [f64([3, 4], 38)] },
  { name: 'views', fn: (x) => x.permute(2, 0, 1).reshape(4, 6).index([1, 4, 2], null).unsqueeze(0).expand(2, 2, 6).squeeze(), inputs: () => [f64([2, 3, 4], 39)] },
  { name: 'reshape of transpose (copy)', fn: (x) => x.mT.reshape(-1).flatten().narrow(0, 2, 5), inputs: () => [f64([3, 4], 40)] },
  { name: 'composite', fn: (x, w) => T.matmul(x, w).gelu().logSoftmax(-1).mean(), inputs: () => [f64([4, 3], 41), f64([3, 5], 42)] },
];

describe('gradients against finite differences (cpu, float64)', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const inputs = c.inputs();
      const r = await T.gradcheck(c.fn, inputs);
      expect(r.worst === null || r.ok, JSON.stringify(r.worst)).toBe(true);
      expect(r.checked).toBeGreaterThan(0);
      T.dispose(inputs);
    });
  }
});

describe('second derivatives (the gradient, differentiated again)', () => {
  const second: Case[] = [
    { name: 'tanh', fn: (x) => x.tanh(), inputs: () => [f64([4], 50)] },
    { name: 'softmax', fn: (x) => x.softmax(-1), inputs: () => [f64([2, 4], 51)] },
    { name: 'logSoftmax', fn: (x) => x.logSoftmax(-1), inputs: () => [f64([2, 4], 52)] },
    { name: 'gelu', fn: (x) => x.gelu(), inputs: () => [f64([5], 53)] },
    { name: 'gelu tanh', fn: (x) => x.gelu({ approximate: 'tanh' }), inputs: () => [f64([5], 53)] },
    { name: 'matmul', fn: (a, b) => T.matmul(a, b).pow(2), inputs: () => [f64([2, 3], 54), f64([3, 2], 55)] },
    { name: 'sigmoid * exp / x', fn: (x) => x.sigmoid().mul(x.exp()).div(x.add(3)), inputs: () => [f64([4], 56)] },
  ];
  for (const c of second) {
    test(c.name, async () => {
      const inputs = c.inputs();
      // g(x) = d/dx <f(x), v>: its own gradient is the Hessian of <f, v> applied to a cotangent.
      const gfn = (...xs: Tensor[]): Tensor => {
        const out = c.fn(...xs);
        const v = T.linspace(-1, 1, out.size, { device: cpu, dtype: 'float64' }).reshape(out.shape as number[]);
        const gs = T.gradients([out], xs, [v], { createGraph: true });
        return T.concat(gs.map((g) => g!.reshape(-1)));
      };
      const r = await T.gradcheck(gfn, inputs, { atol: 1e-5, rtol: 1e-3 });
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      T.dispose(inputs);
    });
  }

  test('Hessian-vector product of a quartic matches its closed form', async () => {
    // f(x) = sum(x^4) / 4 + sum(x) * sum(x); H = diag(3x^2) + 2 * ones.
    const x = T.tensor([0.5, -1, 2], { device: cpu, dtype: 'float64' });
    const v = T.tensor([1, 2, -1], { device: cpu, dtype: 'float64' });
    const f = (u: Tensor): Tensor => u.pow(4).sum().div(4).add(u.sum().mul(u.sum()));
    const [hv] = T.grad((u: Tensor) => T.grad(f, { createGraph: true })(u)[0]!.mul(v).sum())(x);
    const xs = [0.5, -1, 2];
    const vs = [1, 2, -1];
    const vsum = vs.reduce((a, b) => a + b, 0);
    const want = xs.map((xi, i) => 3 * xi * xi * vs[i]! + 2 * vsum);
    const got = Array.from(await hv!.data());
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 10));
  });
});

describe('the tape', () => {
  test('gradients accumulate across backward calls and zero by disposing .grad', async () => {
    const x = T.tensor([1, 2], { device: cpu, requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(x).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([5, 7]);
    x.grad!.dispose();
    x.grad = null;
    x.sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([1, 1]);
  });

  test('a second backward through a freed graph raises GraphFreedError; retainGraph allows it', () => {
    const x = T.tensor([1, 2], { device: cpu, requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(T.GraphFreedError);
    const z = x.exp().sum();
    z.backward(undefined, { retainGraph: true });
    expect(() => z.backward()).not.toThrow();
  });

  test('noGrad records nothing; detach cuts the graph; requiresGrad needs a float leaf', () => {
    const x = T.tensor([1, 2], { device: cpu, requiresGrad: true });
    const y = T.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(x.mul(2).detach().requiresGrad).toBe(false);
    expect(() => (x.mul(2).requiresGrad = false)).toThrow();
    expect(() => T.tensor([1], { dtype: 'int32', device: cpu, requiresGrad: true })).toThrow(T.DTypeError);
    expect(() => T.grad((u: Tensor) => u.mul(2))(x)).toThrow(/one-element/);
  });

  test('an unused input raises unless allowUnused', () => {
    const x = T.tensor([1], { device: cpu, requiresGrad: true });
    const y = T.tensor([1], { device: cpu, requiresGrad: true });
    const out = x.mul(2).sum();
    expect(() => T.gradients([out], [y], [], { retainGraph: true })).toThrow(/not used/);
    expect(T.gradients([out], [y], [], { allowUnused: true })).toEqual([null]);
  });
});

const backends = await testBackends();

describe.each(backends.map((b) => [b.name, b] as const))('memory with autograd on %s', (_name, device) => {
  test('forward + backward in tidy, 200 steps, leaves live tensors and bytes flat', async () => {
    T.manualSeed(3);
    const w = T.randn([16, 8], { device, requiresGrad: true });
    const x = T.randn([32, 16], { device });
    const step = (): void => {
      T.tidy(() => {
        const loss = T.matmul(x, w).gelu().logSoftmax(-1).mean().neg();
        loss.backward();
        const updated = T.noGrad(() => w.sub(w.grad!.mul(0.01)));
        updated.dispose();
        w.grad!.dispose();
        w.grad = null;
      });
    };
    for (let i = 0; i < 20; i++) step();
    await x.data();
    const before = T.memory();
    for (let i = 0; i < 200; i++) {
      step();
      if (i % 50 === 0) {
        const s = x.sum();
        await s.data();
        s.dispose();
      }
    }
    await x.data();
    const after = T.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    T.dispose([w, x]);
  });

  test('disposing the output frees a graph that was never backpropagated', () => {
    const x = T.randn([8, 8], { device, requiresGrad: true });
    const before = T.memory();
    const y = T.tidy(() => x.exp().matmul(x).softmax(-1).sum());
    expect(T.memory().liveTensors).toBeGreaterThan(before.liveTensors + 1);
    y.dispose();
    expect(T.memory().liveTensors).toBe(before.liveTensors);
    expect(T.memory().bytesInUse).toBe(before.bytesInUse);
    x.dispose();
  });
});
