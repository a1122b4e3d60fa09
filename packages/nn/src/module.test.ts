import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { StateDictError } from './errors.js';
import { Dropout, LayerNorm, Linear, MLP, ModuleList, Sequential } from './layers/index.js';
import { Module } from './module.js';
import { isNoDecay, setNoDecay } from './parameter.js';
import { testBackends } from './test-util/backends.js';

const backends = await testBackends();
const cpu = backends[0]!;

/** A small tree: own parameter and buffers, a submodule list, a tied weight. */
class Toy extends Module {
  scale: Tensor;
  table: Tensor;
  stats: Tensor;
  layers: ModuleList<Linear>;
  norm: LayerNorm;

  constructor(device = cpu) {
    super();
    this.scale = this.registerParameter('scale', T.ones([3], { device }), { noDecay: true });
    this.table = this.registerBuffer('table', T.arange(4, undefined, 1, { device }), { persistent: false });
    this.stats = this.registerBuffer('stats', T.zeros([3], { device }));
    this.layers = this.registerModule('layers', new ModuleList([new Linear(3, 4, { device }), new Linear(4, 3, { device })]));
    this.norm = this.registerModule('norm', new LayerNorm(3, { device }));
  }
}

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('Module registration and iteration', () => {
  test('dotted names in registration order, parameters first then children', () => {
    const m = new Toy();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'scale', 'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'norm.weight', 'norm.bias',
    ]);
    expect(m.namedParameters({ recurse: false }).map(([n]) => n)).toEqual(['scale']);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'layers', 'layers.0', 'layers.1', 'norm']);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['layers', 'norm']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['table', 'stats']);
    expect(m.getSubmodule('layers.1')).toBe(m.layers.at(1));
    expect(m.getParameter('layers.1.bias')).toBe(m.layers.at(1).bias);
    expect(m.numParameters()).toBe(3 + (12 + 4) + (12 + 3) + 6);
    m.dispose();
  });

  test('parameters are leaves that require grad and survive tidy', () => {
    const m = T.tidy(() => new Toy());
    for (const p of m.parameters()) {
      expect(p.isDisposed).toBe(false);
      expect(p.requiresGrad).toBe(true);
      expect(p.isLeaf).toBe(true);
    }
    expect(m.table.isDisposed).toBe(false);
    m.dispose();
    expect(m.parameters().every((p) => p.isDisposed)).toBe(true);
    expect(m.buffers().every((b) => b.isDisposed)).toBe(true);
  });

  test('a tied tensor is one parameter but appears under both names in stateDict', () => {
    const a = new Linear(4, 4, { device: cpu, bias: false });
    const b = new Linear(4, 4, { device: cpu, bias: false });
    b.weight.dispose();
    b.weight = b.registerParameter('weight', a.weight);
    const m = new Sequential(a, b);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['0.weight']);
    expect(Object.keys(m.stateDict())).toEqual(['0.weight', '1.weight']);
    expect(m.numParameters()).toBe(16);
    m.dispose();
  });

  test('registration errors are typed and name the module and the problem', () => {
    const m = new Module();
    const x = T.ones([2], { device: cpu, requiresGrad: true });
    const y = x.mul(2);
    expect(() => m.registerParameter('y', y)).toThrow(T.ValueError);
    expect(() => m.registerParameter('y', y)).toThrow(/'y' must be a leaf tensor/);
    expect(() => m.registerParameter('i', T.zeros([2], { device: cpu, dtype: 'int32' }))).toThrow(T.DTypeError);
    expect(() => m.registerParameter('a.b', T.zeros([2], { device: cpu }))).toThrow(/without '\.'/);
    m.registerModule('sub', new Module());
    expect(() => m.registerParameter('sub', T.zeros([2], { device: cpu }))).toThrow(/already registered as a submodule/);
    expect(() => m.registerModule('self', m)).toThrow(/cyclic/);
    T.dispose([x, y]);
    m.dispose();
  });

  test('noDecay tags: biases and norm gains, readable by optimizers', () => {
    const m = new Toy();
    const { decay, noDecay } = m.decayGroups();
    expect(decay).toEqual([m.layers.at(0).weight, m.layers.at(1).weight]);
    expect(noDecay).toEqual([m.scale, m.layers.at(0).bias, m.layers.at(1).bias, m.norm.weight, m.norm.bias]);
    setNoDecay(m.layers.at(0).weight);
    expect(isNoDecay(m.layers.at(0).weight)).toBe(true);
    setNoDecay(m.layers.at(0).weight, false);
    expect(isNoDecay(m.layers.at(0).weight)).toBe(false);
    m.dispose();
  });

  test('toString shows the tree', () => {
    const m = new MLP(4, 8, { device: cpu });
    expect(m.toString()).toBe(
      'MLP(activation=gelu)\n  (fc1): Linear(inFeatures=4, outFeatures=8, bias=true)\n  (fc2): Linear(inFeatures=8, outFeatures=4, bias=true)\n  (dropout): Dropout(p=0)',
    );
    m.dispose();
  });
});

describe('stateDict / loadStateDict', () => {
  test('stateDict holds live handles of parameters and persistent buffers only', () => {
    const m = new Toy();
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(['scale', 'stats', 'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'norm.weight', 'norm.bias']);
    expect(sd.scale).toBe(m.scale);
    m.dispose();
  });

  test('round trip copies values in place (handles stay the same)', async () => {
    T.manualSeed(1);
    const a = new Toy();
    T.manualSeed(2);
    const b = new Toy();
    const w = b.layers.at(0).weight;
    expect(await values(w)).not.toEqual(await values(a.layers.at(0).weight));
    const res = b.loadStateDict(a.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.layers.at(0).weight).toBe(w);
    for (const [k, t] of Object.entries(a.stateDict())) expect(await values(b.stateDict()[k]!), k).toEqual(await values(t));
    expect(w.requiresGrad).toBe(true);
    a.dispose();
    b.dispose();
  });

  test('missing, unexpected and mis-shaped keys are all named, and nothing is copied', async () => {
    const m = new Toy();
    const before = await values(m.layers.at(0).weight);
    const sd: Record<string, Tensor> = { ...m.stateDict() };
    delete sd['norm.bias'];
    delete sd['stats'];
    const extra = T.zeros([2], { device: cpu });
    const wrong = T.zeros([4, 4], { device: cpu });
    const other = T.ones([4, 3], { device: cpu });
    sd['layers.9.weight'] = extra;
    sd['layers.1.weight'] = wrong;
    sd['layers.0.weight'] = other;
    let err: unknown;
    try {
      m.loadStateDict(sd);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect(err).toBeInstanceOf(T.NonlinearError);
    const e = err as StateDictError;
    expect(e.missingKeys).toEqual(['stats', 'norm.bias']);
    expect(e.unexpectedKeys).toEqual(['layers.9.weight']);
    expect(e.mismatchedKeys).toEqual([{ key: 'layers.1.weight', expected: [3, 4], got: [4, 4] }]);
    expect(e.message).toContain("missing keys 'stats', 'norm.bias'");
    expect(e.message).toContain("unexpected key 'layers.9.weight'");
    expect(e.message).toContain("'layers.1.weight' (expected [3, 4], got [4, 4])");
    expect(await values(m.layers.at(0).weight)).toEqual(before);
    T.dispose([extra, wrong, other]);
    m.dispose();
  });

  test('each error alone', () => {
    const m = new Linear(2, 3, { device: cpu });
    const w = T.zeros([3, 2], { device: cpu });
    const b = T.zeros([3], { device: cpu });
    const b2 = T.zeros([2], { device: cpu });
    expect(() => m.loadStateDict({ weight: w })).toThrow(/missing key 'bias'/);
    expect(() => m.loadStateDict({ weight: w, bias: b, extra: b })).toThrow(/unexpected key 'extra'/);
    expect(() => m.loadStateDict({ weight: w, bias: b2 })).toThrow(/mis-shaped 'bias' \(expected \[3\], got \[2\]\)/);
    expect(() => m.loadStateDict({ weight: w, bias: 3 as unknown as Tensor })).toThrow(T.ValueError);
    T.dispose([w, b, b2]);
    m.dispose();
  });

  test('strict: false returns missing and unexpected keys but still refuses wrong shapes', async () => {
    const m = new Linear(2, 3, { device: cpu });
    const w = T.full([3, 2], 5, { device: cpu });
    const extra = T.zeros([1], { device: cpu });
    expect(m.loadStateDict({ weight: w, extra }, { strict: false })).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['extra'] });
    expect(await values(m.weight)).toEqual([5, 5, 5, 5, 5, 5]);
    const bad = T.zeros([2, 3], { device: cpu });
    expect(() => m.loadStateDict({ weight: bad }, { strict: false })).toThrow(StateDictError);
    T.dispose([w, extra, bad]);
    m.dispose();
  });

  test('strided sources (a transpose, a slice) are copied by their logical layout', async () => {
    const m = new Linear(2, 3, { device: cpu, bias: false });
    const src = T.tensor([[1, 2, 3], [4, 5, 6]], { device: cpu });
    m.loadStateDict({ weight: src.mT });
    expect(await values(m.weight)).toEqual([1, 4, 2, 5, 3, 6]);
    const sliced = T.tidy(() => T.arange(12, undefined, 1, { device: cpu }).reshape(3, 4).index(null, [0, 4, 2]));
    m.loadStateDict({ weight: sliced });
    expect(await values(m.weight)).toEqual([0, 2, 4, 6, 8, 10]);
    T.dispose([src, sliced]);
    m.dispose();
  });

  test('values are cast to the module dtype', async () => {
    const m = new Linear(1, 2, { device: cpu, bias: false });
    const w = T.tensor([[1.5], [2.5]], { device: cpu, dtype: 'float64' });
    m.loadStateDict({ weight: w });
    expect(m.weight.dtype).toBe('float32');
    expect(await values(m.weight)).toEqual([1.5, 2.5]);
    w.dispose();
    m.dispose();
  });

  test.skipIf(backends.length < 2)('a cpu state dict loads into a webgpu module', async () => {
    const gpu = backends[1]!;
    const src = new Toy(cpu);
    const dst = new Toy(gpu);
    dst.loadStateDict(src.stateDict());
    expect(await values(dst.layers.at(1).weight)).toEqual(await values(src.layers.at(1).weight));
    expect(() => src.loadStateDict(dst.stateDict())).toThrow(T.DeviceMismatchError);
    src.dispose();
    dst.dispose();
  });
});

describe('modes, gradients, devices', () => {
  test('train() / eval() reach every submodule', () => {
    const m = new Sequential(new Linear(2, 2, { device: cpu }), new Dropout(0.5));
    expect(m.modules().every((x) => x.training)).toBe(true);
    expect(m.eval()).toBe(m);
    expect(m.modules().every((x) => !x.training)).toBe(true);
    expect(m.at(1).training).toBe(false);
    m.train();
    expect(m.at(1).training).toBe(true);
    m.dispose();
  });

  test('zeroGrad disposes and clears gradients', () => {
    const m = new Linear(3, 2, { device: cpu });
    const x = T.ones([4, 3], { device: cpu });
    const before = T.memory().liveTensors;
    T.tidy(() => m.forward(x).sum().backward());
    expect(m.weight.grad).not.toBeNull();
    const g = m.weight.grad!;
    expect(T.memory().liveTensors).toBe(before + 2);
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
    expect(T.memory().liveTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  test('no tensor leaks from a training step under tidy', () => {
    const m = new MLP(4, 8, { device: cpu });
    const x = T.randn([2, 4], { device: cpu });
    const before = T.memory().liveTensors;
    for (let i = 0; i < 3; i++) {
      T.tidy(() => m.forward(x).square().mean().backward());
      m.zeroGrad();
    }
    expect(T.memory().liveTensors).toBe(before);
    x.dispose();
    m.dispose();
  });

  test.skipIf(backends.length < 2)('to(device) moves values, keeps ties, tags and fields', async () => {
    const gpu = backends[1]!;
    const a = new Linear(3, 3, { device: cpu });
    const b = new Linear(3, 3, { device: cpu });
    b.weight.dispose();
    b.weight = b.registerParameter('weight', a.weight);
    const m = new Sequential(a, b);
    const want = await values(a.weight);
    const oldBias = a.bias!;
    await m.to(gpu);
    expect(a.weight.device).toBe('webgpu');
    expect(a.weight).toBe(b.weight);
    expect(m.getParameter('0.weight')).toBe(a.weight);
    expect(await values(a.weight)).toEqual(want);
    expect(a.weight.requiresGrad).toBe(true);
    expect(isNoDecay(a.bias!)).toBe(true);
    expect(oldBias.isDisposed).toBe(true);
    const y = m.forward(T.ones([1, 3], { device: gpu }));
    expect(y.device).toBe('webgpu');
    y.dispose();
    m.dispose();
  });
});
