import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { testBackends } from './test-util/backends.js';
import { AFKANLayer, AFKANModel, KANModel, MLPLayer, ReLUKANLayer, buildKAN, combineOutputs, kanVariants } from './index.js';

const backends = await testBackends();
const cpu = backends[0]!;
const gpu = backends.find((b) => b.name === 'webgpu');

async function maxAbsDiff(a: Tensor, b: Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [da, db] = [await a.data(), await b.data()];
  return Array.from(da).reduce((m, v, i) => Math.max(m, Math.abs(v - db[i]!)), 0);
}

describe('buildKAN', () => {
  test('knows the variant names and rejects others with the list', () => {
    expect(kanVariants()).toEqual(expect.arrayContaining(['afkan', 'relukan', 'mlp']));
    expect(() => buildKAN([4, 2], 'kan2' as never)).toThrow(T.ValueError);
    expect(() => buildKAN([4, 2], 'kan2' as never)).toThrow(/unknown variant "kan2" \(allowed: afkan, relukan, mlp/);
  });

  test('invalid widths and options raise ValueErrors that list what is allowed', () => {
    expect(() => buildKAN([4], 'mlp')).toThrow(/at least two positive integers/);
    expect(() => buildKAN([4, 0], 'mlp')).toThrow(T.ValueError);
    expect(() => buildKAN([4, 2], 'afkan', { grid: 3 } as never)).toThrow(/unknown option 'grid' \(allowed: gridSize, splineOrder, activation/);
    expect(() => buildKAN([4, 2], 'afkan', { activation: 'swish' as never })).toThrow(/activation must be one of 'relu', 'leaky_relu', 'elu', 'selu', 'gelu', 'silu', 'softplus', 'sigmoid', 'tanh', got "swish"/);
    expect(() => buildKAN([4, 2], 'afkan', { functionType: 'rbf' as never })).toThrow(/functionType must be one of 'quad1', 'quad2', 'sum', 'prod', 'sum_prod', 'cubic1', 'cubic2'/);
    expect(() => buildKAN([4, 2], 'afkan', { methods: ['local_attn' as never] })).toThrow(/each method must be one of 'global_attn', 'spatial_attn', 'multistep'/);
    expect(() => buildKAN([4, 2], 'afkan', { methods: [] })).toThrow(/methods must be a non-empty array/);
    expect(() => buildKAN([4, 2], 'afkan', { combine: 'max' as never })).toThrow(/combine must be one of 'sum', 'product', 'sum_product', 'quadratic'/);
    expect(() => buildKAN([4, 2], 'afkan', { norm: 'group' as never })).toThrow(/norm must be one of 'layer', 'batch', 'none'/);
    expect(() => buildKAN([4, 2], 'afkan', { l2mm: true as never })).toThrow(/l2mm must be one of 'none', 'batch', 'sample'/);
    expect(() => buildKAN([4, 2], 'afkan', { gridSize: 0 })).toThrow(/gridSize must be an integer >= 1, got 0/);
    expect(() => buildKAN([4, 2], 'relukan', { splineOrder: 1.5 })).toThrow(/splineOrder must be an integer >= 0/);
    expect(() => buildKAN([4, 2], 'mlp', { activation: 'swiglu' as never })).toThrow(/activation must be one of 'relu'.*'polyrelu', 'polynorm'/);
    expect(() => buildKAN([4, 2], 'mlp', { activate: false } as never)).toThrow(/unknown option 'activate' \(allowed: activation, activationOptions, norm, device, dtype, activateOutput\)/);
  });

  test('every variant builds a model whose forward maps (B, in) to (B, out) and (2, 3, in) to (2, 3, out)', async () => {
    for (const v of kanVariants()) {
      const m = buildKAN([6, 5, 3], v, { device: cpu });
      expect(m).toBeInstanceOf(KANModel);
      expect(m.layers.map((l) => [l.inFeatures, l.outFeatures])).toEqual([[6, 5], [5, 3]]);
      const x = T.randn([4, 6], { device: cpu });
      const y = m.forward(x);
      expect(y.shape, v).toEqual([4, 3]);
      const y3 = m.forward(T.randn([2, 3, 6], { device: cpu }));
      expect(y3.shape, v).toEqual([2, 3, 3]);
      expect(Array.from(await y.data()).every(Number.isFinite), v).toBe(true);
      T.dispose([x, y, y3]);
      m.dispose();
    }
  });

  test('state dict names follow the layers: layers.<i>.<PyTorch-style names>', () => {
    const m = buildKAN([6, 5, 3], 'afkan', { methods: ['global_attn', 'spatial_attn'], device: cpu });
    expect(Object.keys(m.stateDict()).filter((k) => k.startsWith('layers.0.'))).toEqual([
      'layers.0.phaseLow', 'layers.0.phaseHigh', 'layers.0.temperature', 'layers.0.baseWeight',
      'layers.0.gkLinear.weight', 'layers.0.gkLinear.bias', 'layers.0.conv1d.weight', 'layers.0.conv1d.bias', 'layers.0.norm.weight', 'layers.0.norm.bias',
    ]);
    m.dispose();
  });

  test('a multi-method AF-KAN model runs each method through all layers and combines at the end', async () => {
    T.manualSeed(1);
    const m = buildKAN([6, 5, 3], 'afkan', { methods: ['global_attn', 'multistep'], combine: 'quadratic', device: cpu });
    expect(m).toBeInstanceOf(AFKANModel);
    const x = T.randn([4, 6], { device: cpu });
    const [l0, l1] = m.layers as AFKANLayer[];
    const paths = (['global_attn', 'multistep'] as const).map((k) => l1!.forwardMethod(l0!.forwardMethod(x, k), k));
    // quadratic: sum + product + sum of squares, written out.
    const [a, b] = paths;
    const want = T.add(T.add(T.add(a!, b!), T.mul(a!, b!)), T.add(T.square(a!), T.square(b!)));
    expect(await maxAbsDiff(m.forward(x), want)).toBeLessThan(1e-6);
    // A layer used alone combines its own methods instead.
    expect(await maxAbsDiff(l0!.forward(x), combineOutputs([l0!.forwardMethod(x, 'global_attn'), l0!.forwardMethod(x, 'multistep')], 'quadratic'))).toBeLessThan(1e-6);
    m.dispose();
  });

  test('the MLP takes PolyNorm (with options) from the activations registry and trains its coefficients', () => {
    const m = buildKAN([6, 5, 3], 'mlp', { activation: 'polynorm', activationOptions: { order: 2 }, device: cpu });
    // LayerNorm(D) and W per layer, plus r + 1 = 3 coefficients per activated layer.
    expect(m.usedParameterCount()).toBe((12 + 30) + (10 + 15) + 2 * 3);
    expect(m.namedParameters().map(([n]) => n)).toContain('layers.1.activation.weight');
    const x = T.randn([4, 6], { device: cpu });
    const loss = m.forward(x).square().mean();
    loss.backward();
    expect(m.getParameter('layers.0.activation.weight').grad).not.toBeNull();
    T.dispose([x, loss]);
    m.dispose();
  });

  test('the MLP applies its activation after the last layer unless activateOutput is false', async () => {
    const m = buildKAN([4, 3, 2], 'mlp', { activation: 'relu', activateOutput: false, device: cpu });
    const last = m.layers[1] as MLPLayer;
    expect(last.activate).toBe(false);
    expect((m.layers[0] as MLPLayer).activate).toBe(true);
    const y = await m.forward(T.mul(T.randn([64, 4], { device: cpu }), 3)).data();
    // Without an output relu some outputs are negative.
    expect(Array.from(y).some((v) => v < 0)).toBe(true);
    m.dispose();
  });
});

describe('layers', () => {
  test('bad inputs raise typed errors that name the layer', () => {
    const layers = [new AFKANLayer(4, 2, { device: cpu }), new ReLUKANLayer(4, 2, { device: cpu }), new MLPLayer(4, 2, { device: cpu })];
    for (const l of layers) {
      expect(() => l.forward(T.zeros([3, 5], { device: cpu }))).toThrow(T.ShapeError);
      expect(() => l.forward(T.zeros([3, 5], { device: cpu }))).toThrow(/\(4 -> 2\): expected input of shape \[\.\.\., 4\], got \[3, 5\]/);
      expect(() => l.forward(T.zeros([3, 4], { device: cpu, dtype: 'int32' }))).toThrow(T.DTypeError);
      expect(() => l.forward(T.zeros([3, 4], { device: cpu, dtype: 'float64' }))).toThrow(/input is float64 but the parameters are float32/);
      expect(() => l.forward([1, 2, 3, 4] as never)).toThrow(T.ValueError);
      const dead = T.zeros([3, 4], { device: cpu });
      dead.dispose();
      expect(() => l.forward(dead)).toThrow();
      l.dispose();
    }
  });

  test.runIf(gpu)('an input on another backend raises DeviceMismatchError', () => {
    const l = new AFKANLayer(4, 2, { device: gpu });
    expect(() => l.forward(T.zeros([3, 4], { device: cpu }))).toThrow(T.DeviceMismatchError);
    l.dispose();
  });

  test('forwardMethod accepts only the layer\'s own methods', () => {
    const l = new AFKANLayer(4, 2, { methods: ['multistep'], device: cpu });
    expect(() => l.forwardMethod(T.zeros([1, 4], { device: cpu }), 'global_attn')).toThrow(/method must be one of 'multistep', got "global_attn"/);
    l.dispose();
  });

  test('ReLU-KAN edge functions sum, with the bias, to the output on inputs that repeat one value', async () => {
    T.manualSeed(2);
    const l = new ReLUKANLayer(3, 2, { gridSize: 3, splineOrder: 2, device: cpu });
    const { x, y } = l.edgeFunctions(7);
    expect(x.shape).toEqual([7]);
    expect(y.shape).toEqual([2, 3, 7]);
    const out = l.forward(x.unsqueeze(-1).expand([7, 3]));
    const want = T.add(y.sum(1).mT, l.bias);
    expect(await maxAbsDiff(out, want)).toBeLessThan(1e-5);
    expect(() => l.edgeFunctions(1)).toThrow(/points must be an integer >= 2/);
    l.dispose();
  });

  test('BatchNorm AF-KAN accepts (2, 3, D) input by flattening the leading dims', () => {
    const l = new AFKANLayer(4, 2, { norm: 'batch', device: cpu });
    const y = l.forward(T.randn([2, 3, 4], { device: cpu }));
    expect(y.shape).toEqual([2, 3, 2]);
    l.dispose();
  });
});
