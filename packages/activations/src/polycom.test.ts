import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { getActivation } from '@nonlinear/nn';
import { testBackends } from './test-util/backends.js';
import { compareFixture, fixtureTensor, loadFixtures } from './test-util/fixtures.js';
import {
  FeedForward, GELU, PolyCom, PolyNorm, PolyReLU, ReLU2, SiLU, SwiGLU, polyCom, polyNorm, polyNormReference, polyRelu, polyReluReference, reluSquared,
} from './index.js';

const backends = await testBackends();
const cpu = backends[0]!;
const gpu = backends.find((b) => b.name === 'webgpu') as T.WebGPUBackend | undefined;
const fixtures = loadFixtures();

type Fn = (x: Tensor, w: Tensor, b: Tensor) => Tensor;
const FUSED: Record<string, [Fn, Fn]> = {
  polyRelu: [polyRelu, polyReluReference],
  polyNorm: [(x, w, b) => polyNorm(x, w, b), (x, w, b) => polyNormReference(x, w, b)],
};

async function maxRelErr(a: Tensor, b: Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [da, db] = [await a.data(), await b.data()];
  const scale = Array.from(db).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < da.length; i++) worst = Math.max(worst, Math.abs(da[i]! - db[i]!) / (Math.abs(db[i]!) + scale + 1e-30));
  return worst;
}

/** Output and gradients w.r.t. x, weight, bias for the cotangent g. */
function withGrads(f: Fn, x: Tensor, w: Tensor, b: Tensor, g: Tensor): Tensor[] {
  const y = f(x, w, b);
  const gs = T.gradients([y], [x, w, b], [g]);
  return [y, ...gs.map((t) => t!)];
}

describe.each(backends.map((b) => [b.name, b] as const))('PyTorch fixtures on %s', (_name, device) => {
  const rtol = device.name === 'cpu' ? 1e-5 : 1e-4;
  for (const c of fixtures) {
    test(c.name, async () => {
      const x = fixtureTensor(c.inputs[0]!, device, true);
      const cot = fixtureTensor(c.cotangent, device);
      const modules: { module: { forward(x: Tensor): Tensor; parameters(): Tensor[]; namedParameters(): [string, Tensor][]; loadStateDict(sd: Record<string, Tensor>): unknown; dispose(): void }; label: string }[] = [];
      const r = c.config.order ?? 3;
      if (c.kind === 'polyrelu') {
        modules.push({ module: new PolyReLU({ order: r, device }), label: 'fused' }, { module: new PolyReLU({ order: r, device, fused: false }), label: 'reference' });
        modules.push({ module: new PolyCom({ order: r, type: 'I', inner: 'relu', device }), label: 'PolyCom I relu' });
      } else if (c.kind === 'polynorm') {
        const eps = c.config.eps!;
        modules.push({ module: new PolyNorm({ order: r, eps, device }), label: 'fused' }, { module: new PolyNorm({ order: r, eps, device, fused: false }), label: 'reference' });
        modules.push({ module: new PolyCom({ order: r, type: 'II', inner: 'rmsnorm', eps, device }), label: 'PolyCom II rmsnorm' });
      } else if (c.kind === 'relu2') modules.push({ module: new ReLU2(), label: 'module' });
      else if (c.kind === 'gelu') modules.push({ module: new GELU(), label: 'module' });
      else if (c.kind === 'gelu_tanh') modules.push({ module: new GELU({ approximate: 'tanh' }), label: 'module' });
      else if (c.kind === 'silu') modules.push({ module: new SiLU(), label: 'module' });
      else if (c.kind === 'swiglu') modules.push({ module: new SwiGLU(c.config.dim!, c.config.hidden!, { device }), label: 'module' });
      else if (c.kind === 'feedforward_polynorm') modules.push({ module: new FeedForward(c.config.dim!, c.config.hidden!, { activation: 'polynorm', device }), label: 'module' });
      else throw new Error(`unknown fixture kind ${c.kind}`);
      for (const { module, label } of modules) {
        const sd = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fixtureTensor(v, device)]));
        module.loadStateDict(sd);
        T.dispose(sd);
        const named = module.namedParameters();
        const y = module.forward(x);
        const grads = T.gradients([y], [x, ...named.map(([, p]) => p)], [cot]);
        const problems: string[] = [];
        const check = async (what: string, got: Tensor | null, want: typeof c.output): Promise<void> => {
          const p = await compareFixture(got, want, rtol);
          if (p) problems.push(`${label} ${what}: ${p}`);
        };
        await check('output', y, c.output);
        await check('dL/dx', grads[0]!, c.grads.inputs[0]!);
        for (const [i, [n]] of named.entries()) await check(`dL/d${n}`, grads[i + 1]!, c.grads.params[n]!);
        expect(problems).toEqual([]);
        T.dispose([y, grads]);
        module.dispose();
      }
      T.dispose([x, cot]);
    });
  }
});

describe.each(backends.map((b) => [b.name, b] as const))('fused kernels against the composition on %s', (_name, device) => {
  const tol = device.name === 'cpu' ? 2e-6 : 2e-5;
  const cases: [string, number[], number, (x: Tensor) => Tensor][] = [
    ['2-D rows', [33, 96], 3, (x) => x],
    ['3-D [B, T, H]', [2, 5, 64], 3, (x) => x],
    ['order 1', [7, 20], 1, (x) => x],
    ['order 5', [6, 40], 5, (x) => x],
    ['a transposed (strided) view', [24, 16], 3, (x) => x.transpose(0, 1)],
    ['rows shorter than r + 1 (composition fallback)', [9, 2], 3, (x) => x],
    ['one long row', [700], 3, (x) => x],
  ];
  for (const [fname, [fused, ref]] of Object.entries(FUSED)) {
    for (const [label, shape, r, view] of cases) {
      test(`${fname}: ${label}`, async () => {
        T.manualSeed(shape.length * 100 + r);
        const base = T.randn(shape, { device, std: 1.3, mean: 0.2 });
        const x = T.tidy(() => view(base).detach());
        x.requiresGrad = true;
        const w = T.randn([r], { device, std: 0.5, mean: 1 / r, requiresGrad: true });
        const b = T.randn([1], { device, std: 0.1, requiresGrad: true });
        const g = T.randn(x.shape as number[], { device });
        const got = withGrads(fused, x, w, b, g);
        const want = withGrads(ref, x, w, b, g);
        for (let i = 0; i < got.length; i++) expect(await maxRelErr(got[i]!, want[i]!), `${['y', 'dx', 'dw', 'db'][i]}`).toBeLessThan(tol);
        T.dispose([base, x, w, b, g, got, want]);
      });
    }
  }

  test('polyRelu of a 0-d tensor and of an empty one', async () => {
    const w = T.tensor([0.5, -1, 2], { device, requiresGrad: true });
    const b = T.tensor([0.25], { device, requiresGrad: true });
    const x = T.tensor(1.5, { device, requiresGrad: true });
    const y = polyRelu(x, w, b);
    expect(y.shape).toEqual([]);
    expect(await y.item()).toBeCloseTo(0.5 * 1.5 ** 3 - 1.5 ** 2 + 2 * 1.5 + 0.25, 5);
    const [dx, dw, db] = T.gradients([y], [x, w, b]);
    expect(await dx!.item()).toBeCloseTo(1.5 * 1.5 ** 2 - 2 * 1.5 + 2, 5);
    expect(Array.from(await dw!.data())).toEqual([1.5 ** 3, 1.5 ** 2, 1.5].map((v) => Math.fround(v)));
    expect(await db!.item()).toBe(1);
    const e = T.zeros([0, 4], { device, requiresGrad: true });
    const ye = polyRelu(e, w, b);
    expect(ye.shape).toEqual([0, 4]);
    const [de] = T.gradients([ye], [e], [T.zeros([0, 4], { device })]);
    expect(de!.shape).toEqual([0, 4]);
    T.dispose([w, b, x, y, dx, dw, db, e, ye, de]);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('special cases, exactly, on %s', (_name, device) => {
  test('PolyReLU with a = (0, 1, 0, 0) is ReLU and with (0, 0, 1, 0) is ReLU^2, to the bit', async () => {
    T.manualSeed(3);
    const x = T.randn([37, 53], { device, std: 4 });
    const asRelu = new PolyReLU({ coefficients: [0, 1, 0, 0], device });
    const asRelu2 = new PolyReLU({ coefficients: [0, 0, 1, 0], device });
    const relu2Nn = getActivation('relu2');
    const outs = [asRelu.forward(x), T.relu(x), asRelu2.forward(x), reluSquared(x), relu2Nn(x)];
    const [a, b, c, d, e] = await Promise.all(outs.map(async (t) => new Uint32Array((await t.data() as Float32Array).slice().buffer)));
    expect(a).toEqual(b);
    expect(c).toEqual(d);
    expect(c).toEqual(e);
    T.dispose([x, outs]);
    asRelu.dispose();
    asRelu2.dispose();
  });

  test('PolyCom type I with rho = identity is the polynomial a_0 + a_1 x + ... + a_r x^r', async () => {
    const x = T.tensor([-2, -0.5, 0, 0.75, 3], { device });
    const p = new PolyCom({ type: 'I', inner: 'identity', coefficients: [0.5, -1, 0.25, 2], device });
    const y = await p.forward(x).data();
    const want = [-2, -0.5, 0, 0.75, 3].map((v) => 0.5 - v + 0.25 * v * v + 2 * v ** 3);
    want.forEach((v, i) => expect(y[i]).toBeCloseTo(v, 5));
    expect(await p.coefficients()).toEqual([0.5, -1, 0.25, 2]);
    T.dispose(x);
    p.dispose();
  });
});

describe('gradcheck in float64 (cpu)', () => {
  const f64 = (shape: number[], seed: number, std = 1, mean = 0): Tensor => {
    T.manualSeed(seed);
    return T.randn(shape, { device: cpu, dtype: 'float64', std, mean });
  };
  for (const [fname, [fused, ref]] of Object.entries(FUSED)) {
    test(`${fname} (fused) w.r.t. x and the coefficients`, async () => {
      const inputs = [f64([3, 6], 1, 1.2, 0.3), f64([3], 2, 0.5, 0.3), f64([1], 3, 0.1)];
      const rep = await T.gradcheck((x, w, b) => fused(x!, w!, b!), inputs);
      expect(rep.ok, JSON.stringify(rep.worst)).toBe(true);
      expect(rep.checked).toBe(18 + 3 + 1);
      const rep4 = await T.gradcheck((x, w, b) => fused(x!, w!, b!), [f64([2, 7], 4, 0.8), f64([4], 5, 0.5), f64([1], 6, 0.1)]);
      expect(rep4.ok, JSON.stringify(rep4.worst)).toBe(true);
      T.dispose(inputs);
    });
    test(`${fname}: second derivatives (createGraph) through the composition`, async () => {
      const w = f64([3], 7, 0.5, 0.3);
      const b = f64([1], 8, 0.1);
      const second = (x: Tensor): Tensor => T.grad((u: Tensor) => fused(u, w, b).square().sum(), { createGraph: true })(x)[0]!;
      const rep = await T.gradcheck(second, [f64([2, 5], 9, 1, 0.2)]);
      expect(rep.ok, JSON.stringify(rep.worst)).toBe(true);
      // The same Hessian-vector product as the composition's.
      const x = f64([2, 5], 9, 1, 0.2);
      const v = f64([2, 5], 10);
      const hvp = (f: Fn): Tensor => T.grad((u: Tensor) => T.grad((s: Tensor) => f(s, w, b).square().sum(), { createGraph: true })(u)[0]!.mul(v).sum())(x)[0]!;
      expect(await maxRelErr(hvp(fused), hvp(ref))).toBeLessThan(1e-12);
      T.dispose([w, b, x, v]);
    });
  }
  test('polyCom of both types with several inner functions', async () => {
    for (const [type, inner] of [['I', 'relu'], ['I', 'tanh'], ['II', 'rmsnorm'], ['II', 'sigmoid'], ['I', 'identity']] as const) {
      const rep = await T.gradcheck((x, w, b) => polyCom(x!, w!, b!, type, inner), [f64([2, 6], 11, 1, 0.3), f64([3], 12, 0.5), f64([1], 13, 0.1)]);
      expect(rep.ok, `${type} ${inner}: ${JSON.stringify(rep.worst)}`).toBe(true);
    }
  });
});

describe.runIf(gpu)('one kernel each on webgpu', () => {
  test('PolyNorm and PolyReLU forward are each ONE dispatch; each backward a row program and one reduction', async () => {
    for (const f of [(x: Tensor, w: Tensor, b: Tensor) => polyNorm(x, w, b), polyRelu]) {
      const x = T.randn([256, 512], { device: gpu!, requiresGrad: true });
      const w = T.tensor([1 / 3, 1 / 3, 1 / 3], { device: gpu!, requiresGrad: true });
      const b = T.zeros([1], { device: gpu!, requiresGrad: true });
      const g = T.randn([256, 512], { device: gpu! });
      const y0 = f(x, w, b); // compiles the pipelines
      T.dispose([y0, T.gradients([y0], [x, w, b], [g])]);
      const before = gpu!.dispatchCount;
      const y = f(x, w, b);
      expect(gpu!.dispatchCount - before).toBe(1);
      const mid = gpu!.dispatchCount;
      const gs = T.gradients([y], [x, w, b], [g]);
      expect(gpu!.dispatchCount - mid).toBe(2);
      await gs[0]!.data();
      T.dispose([x, w, b, g, y, gs]);
    }
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('memory on %s', (_name, device: Backend) => {
  test('forward and backward leave no live tensors behind', async () => {
    const m = new PolyNorm({ device });
    const p = new PolyReLU({ device });
    const x = T.randn([8, 32], { device, requiresGrad: true });
    const step = async (): Promise<void> => {
      for (const mod of [m, p]) {
        const loss = T.tidy(() => mod.forward(x).square().mean());
        loss.backward();
        loss.dispose();
      }
      m.zeroGrad();
      p.zeroGrad();
      x.grad?.dispose();
      x.grad = null;
      await T.sync(device);
    };
    await step();
    const before = T.memory().liveTensors;
    for (let i = 0; i < 5; i++) await step();
    expect(T.memory().liveTensors).toBe(before);
    x.dispose();
    m.dispose();
    p.dispose();
  });
});
