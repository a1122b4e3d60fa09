import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { AdamW, MLP, isNoDecay } from '@nonlinear/nn';
import { testBackends } from './test-util/backends.js';
import {
  ActivationModule, ELU, FeedForward, GELU, LeakyReLU, PolyCom, PolyNorm, PolyReLU, ReLU, ReLU2, SELU, SiLU, Sigmoid, Softplus, SwiGLU, Tanh, activation, activationKinds, feedForward, fromStoredLayout,
  matchedHidden, toStoredLayout,
} from './index.js';

const backends = await testBackends();
const cpu = backends[0]!;

describe('coefficients', () => {
  test("the authors' init and layout: weight [r] (highest power first) = 1/r, bias [1] = 0, both noDecay", async () => {
    for (const m of [new PolyReLU(), new PolyNorm(), new PolyCom()]) {
      expect(m.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([['weight', [3]], ['bias', [1]]]);
      expect(Array.from(await m.weight.data())).toEqual([1 / 3, 1 / 3, 1 / 3].map(Math.fround));
      expect(Array.from(await m.bias.data())).toEqual([0]);
      expect(m.parameters().every((p) => isNoDecay(p))).toBe(true);
      expect(m.decayGroups().decay).toEqual([]);
      expect(await m.coefficients()).toEqual([0, ...[1 / 3, 1 / 3, 1 / 3].map(Math.fround)]);
      m.dispose();
    }
    const p5 = new PolyNorm({ order: 5 });
    expect(Array.from(await p5.weight.data())).toEqual(Array(5).fill(Math.fround(1 / 5)));
    p5.dispose();
  });

  test('spec order [a_0, ..., a_r] <-> stored layout', async () => {
    expect(toStoredLayout([0.5, 1, 2, 3])).toEqual({ weight: [3, 2, 1], bias: [0.5] });
    expect(fromStoredLayout([3, 2, 1], [0.5])).toEqual([0.5, 1, 2, 3]);
    const m = new PolyReLU({ coefficients: [0.5, 1, 2, 3] });
    expect(Array.from(await m.weight.data())).toEqual([3, 2, 1]);
    expect(await m.coefficients()).toEqual([0.5, 1, 2, 3]);
    m.dispose();
    expect(() => new PolyReLU({ order: 2, coefficients: [0, 1, 2, 3] })).toThrow(/order \+ 1 = 3/);
    expect(() => new PolyNorm({ order: 0 })).toThrow(/positive integer/);
    expect(() => new PolyNorm({ eps: -1 })).toThrow(/eps/);
  });

  test('float64 on cpu', async () => {
    const m = new PolyNorm({ dtype: 'float64', device: cpu });
    const x = T.randn([3, 8], { dtype: 'float64', device: cpu });
    const y = m.forward(x);
    expect(y.dtype).toBe('float64');
    T.dispose([x, y]);
    m.dispose();
  });
});

describe('errors name the layer', () => {
  test('dtype, device, shape and argument checks', async () => {
    const m = new PolyNorm({ device: cpu });
    expect(() => m.forward(T.zeros([2, 4], { dtype: 'int32', device: cpu }))).toThrow(/PolyNorm\(order=3\): input must be float32 or float64/);
    expect(() => m.forward(T.zeros([2, 4], { dtype: 'float64', device: cpu }))).toThrow(/PolyNorm\(order=3\): input is float64 but the coefficients are float32/);
    expect(() => m.forward(T.tensor(1, { device: cpu }))).toThrow(/polyNorm: x must have a last \(hidden\) dim/);
    expect(() => m.forward('x' as unknown as T.Tensor)).toThrow(/input must be a Tensor/);
    const gpu = backends.find((b) => b.name === 'webgpu');
    if (gpu) expect(() => m.forward(T.zeros([2, 4], { device: gpu }))).toThrow(T.DeviceMismatchError);
    m.dispose();
    expect(() => activation('swiglu' as never)).toThrow(/gated block/);
    expect(() => activation('tanhh' as never)).toThrow(/unknown activation 'tanhh' \(known: relu, relu2/);
    expect(() => new PolyCom({ inner: 'nope' as never })).toThrow(/unknown inner function/);
    expect(() => new GELU({ approximate: 'x' as never })).toThrow(/approximate/);
    const ff = new FeedForward(4, 6);
    expect(() => ff.forward(T.zeros([2, 5]))).toThrow(/FeedForward\(4 -> 6 -> 4\): expected input of shape \[\.\.\., 4\], got \[2, 5\]/);
    ff.dispose();
  });
});

describe('registry and blocks', () => {
  test('activation(name) builds a new module each time, of the right class', () => {
    const classes: Record<string, unknown> = {
      relu: ReLU, relu2: ReLU2, gelu: GELU, gelu_tanh: GELU, silu: SiLU, polyrelu: PolyReLU, polynorm: PolyNorm, polycom: PolyCom,
      leaky_relu: LeakyReLU, elu: ELU, selu: SELU, softplus: Softplus, sigmoid: Sigmoid, tanh: Tanh,
    };
    expect(activationKinds()).toEqual(Object.keys(classes));
    for (const k of activationKinds()) {
      const a = activation(k);
      expect(a).toBeInstanceOf(classes[k] as typeof ActivationModule);
      expect(a).not.toBe(activation(k));
      a.dispose();
    }
    const p = activation('polynorm', { order: 4, eps: 1e-5 }) as PolyNorm;
    expect([p.order, p.eps]).toEqual([4, 1e-5]);
    p.dispose();
    expect((activation('gelu_tanh') as GELU).approximate).toBe('tanh');
  });

  test('parameter matching: SwiGLU h against 3h/2, equal weight counts', () => {
    expect(matchedHidden('swiglu', 5504)).toBe(5504);
    expect(matchedHidden('polynorm', 5504)).toBe(8256);
    expect(matchedHidden('gelu', 1024)).toBe(1536);
    const counts = (['swiglu', 'relu', 'gelu', 'relu2', 'polyrelu', 'polynorm'] as const).map((k) => {
      const f = feedForward(k, 32, 64);
      const n = f.numParameters();
      f.dispose();
      return [k, n];
    });
    // 3 * 32 * 64 weights each, plus the 4 coefficients of the PolyCom activations.
    expect(counts).toEqual([['swiglu', 6144], ['relu', 6144], ['gelu', 6144], ['relu2', 6144], ['polyrelu', 6148], ['polynorm', 6148]]);
  });

  test('FeedForward registers its activation: names, state dict, optimizer groups', () => {
    const f = new FeedForward(8, 12, { activation: 'polynorm' });
    expect(f.namedParameters().map(([n]) => n)).toEqual(['fc1.weight', 'act.weight', 'act.bias', 'fc2.weight']);
    expect(Object.keys(f.stateDict())).toEqual(['fc1.weight', 'act.weight', 'act.bias', 'fc2.weight']);
    const { decay, noDecay } = f.decayGroups();
    expect([decay.length, noDecay.length]).toEqual([2, 2]);
    expect(f.toString()).toContain('PolyNorm(order=3, eps=0.000001, fused=true)');
    f.dispose();
    const s = new SwiGLU(8, 12, { bias: true });
    expect(s.namedParameters().map(([n]) => n)).toEqual(['w1.weight', 'w1.bias', 'w3.weight', 'w3.bias', 'w2.weight', 'w2.bias']);
    s.dispose();
  });

  test("a stateless activation's .fn works in nn's MLP", async () => {
    T.manualSeed(1);
    const mlp = new MLP(4, 8, { activation: new ReLU2().fn });
    const x = T.randn([3, 4]);
    const y = mlp.forward(x);
    expect(y.shape).toEqual([3, 4]);
    expect(mlp.toString()).toContain('activation=ReLU2');
    T.dispose([x, y]);
    mlp.dispose();
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('training on %s', (_name, device) => {
  test('PolyNorm and PolyReLU coefficients learn (AdamW, no decay on them) and move with the module', async () => {
    for (const kind of ['polynorm', 'polyrelu'] as const) {
      T.manualSeed(7);
      const model = feedForward(kind, 8, 16, { device });
      const x = T.randn([64, 8], { device });
      const target = T.tidy(() => x.mul(x).sub(0.5));
      const { decay, noDecay } = model.decayGroups();
      const opt = new AdamW([{ params: decay }, { params: noDecay, weightDecay: 0 }], { lr: 1e-2 });
      const before = Array.from(await ((model as FeedForward).act as PolyNorm | PolyReLU).weight.data());
      let first = 0;
      let last = 0;
      for (let step = 0; step < 60; step++) {
        opt.zeroGrad();
        const loss = T.tidy(() => model.forward(x).sub(target).square().mean());
        loss.backward();
        opt.step();
        if (step === 0) first = await loss.item();
        last = await loss.item();
        loss.dispose();
      }
      expect(last).toBeLessThan(first * 0.7);
      const after = Array.from(await ((model as FeedForward).act as PolyNorm | PolyReLU).weight.data());
      expect(after).not.toEqual(before);
      opt.dispose();
      T.dispose([x, target]);
      if (device.name !== 'cpu') {
        await model.to('cpu');
        expect(((model as FeedForward).act as PolyNorm | PolyReLU).weight.device).toBe('cpu');
        expect(Array.from(await ((model as FeedForward).act as PolyNorm | PolyReLU).weight.data())).toEqual(after);
      }
      model.dispose();
    }
  }, 60_000);
});
