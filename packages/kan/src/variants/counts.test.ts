import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Module } from '@nonlinear/nn';
import type { KANLayer } from '../layer.js';
import { BSRBFKANLayer, ChebyKANLayer, EfficientKANLayer, FastKANLayer, FasterKANLayer, FourierKANLayer, bsplineBasis } from './index.js';

type Layer = KANLayer & Module;
type Make = (D: number, O: number) => Layer;
const cpu = await T.initBackend('cpu');

const VARIANTS: Record<string, Make> = {
  EfficientKAN: (D, O) => new EfficientKANLayer(D, O, { device: cpu }),
  FastKAN: (D, O) => new FastKANLayer(D, O, { device: cpu }),
  FasterKAN: (D, O) => new FasterKANLayer(D, O, { device: cpu }),
  ChebyKAN: (D, O) => new ChebyKANLayer(D, O, { device: cpu }),
  FourierKAN: (D, O) => new FourierKANLayer(D, O, { device: cpu }),
  BSRBFKAN: (D, O) => new BSRBFKANLayer(D, O, { device: cpu }),
};

/**
 * 784-64-10 with the default options. Parameters: the spec's table (EfficientKAN, FastKAN,
 * FasterKAN, BSRBF-KAN), ChebyKAN 784*64*4 + 64*10*4, FourierKAN 2*64*784*8 + 64 + 2*784 (layer
 * norm) + 2*10*64*8 + 10 + 2*64. FLOPs: the documented per-sample formulas worked out by hand
 * (layer 1 + layer 2), e.g. EfficientKAN: silu 4D + B-splines 265D (G = 12 knots:
 * 2*11 + 9*(10 + 9 + 8)) + 2*8D*O + 2*D*O + O = 1,114,128 + 28,746.
 */
const EXPECTED: Record<string, { params: number; flops: number }> = {
  EfficientKAN: { params: 508_160, flops: 1_114_128 + 28_746 },
  FastKAN: { params: 459_114, flops: 943_281 + 14_805 },
  FasterKAN: { params: 408_224, flops: 833_393 + 12_737 },
  ChebyKAN: { params: 203_264, flops: 406_896 + 5_568 },
  FourierKAN: { params: 814_826, flops: 1_630_001 + 22_475 },
  BSRBFKAN: { params: 459_040, flops: 1_157_249 + 32_267 },
};

describe('784-64-10 with default options', () => {
  for (const [name, make] of Object.entries(VARIANTS)) {
    test(`${name}: parameters and FLOPs`, () => {
      const layers = [make(784, 64), make(64, 10)];
      const sum = (f: (l: Layer) => number): number => layers.reduce((a, l) => a + f(l), 0);
      expect(sum((l) => l.numParameters())).toBe(EXPECTED[name]!.params);
      expect(sum((l) => l.usedParameterCount())).toBe(EXPECTED[name]!.params);
      expect(sum((l) => l.flops())).toBe(EXPECTED[name]!.flops);
      layers.forEach((l) => l.dispose());
    });
  }
});

describe('parameter names and shapes follow the reference codes', () => {
  const shapes = (l: Layer): Record<string, number[]> => Object.fromEntries(Object.entries(l.stateDict()).map(([k, v]) => [k, [...v.shape]]));
  test.each([
    ['EfficientKAN', { grid: [5, 12], base_weight: [3, 5], spline_weight: [3, 5, 8], spline_scaler: [3, 5] }],
    ['FastKAN', { 'layernorm.weight': [5], 'layernorm.bias': [5], 'spline_linear.weight': [3, 40], 'base_linear.weight': [3, 5], 'base_linear.bias': [3] }],
    ['FasterKAN', { 'layernorm.weight': [5], 'layernorm.bias': [5], 'spline_linear.weight': [3, 40] }],
    ['ChebyKAN', { cheby_coeffs: [5, 3, 4] }],
    ['FourierKAN', { fouriercoeffs: [2, 3, 5, 8], bias: [1, 3], 'layernorm.weight': [5], 'layernorm.bias': [5] }],
    ['BSRBFKAN', { base_weight: [3, 5], spline_weight: [3, 40], grid: [5, 12], 'layernorm.weight': [5], 'layernorm.bias': [5] }],
  ])('%s', (name, want) => {
    const l = VARIANTS[name]!(5, 3);
    expect(shapes(l)).toEqual(want);
    l.dispose();
  });
});

describe('initialisation', () => {
  test('EfficientKAN: uniform knots over gridRange; the initial splines interpolate noise of amplitude scaleNoise / (2g) at the interior knots', async () => {
    T.manualSeed(3);
    const l = new EfficientKANLayer(4, 6, { device: cpu, gridSize: 4, splineOrder: 2, gridRange: [-2, 2], enableStandaloneScaleSpline: false });
    expect(Array.from(await l.grid.data()).slice(0, 9)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3, 4]);
    const knots = T.tensor([-2, -1, 0, 1, 2], { device: cpu });
    const basis = bsplineBasis(knots.reshape([5, 1]).expand([5, 4]), l.grid, 2);
    // spline[o, i, s] = sum_j W[o, i, j] B_j(t_s)
    const spline = T.matmul(basis.permute(1, 0, 2), l.splineWeight.permute(1, 2, 0));
    const v = Array.from(await spline.data()).map(Math.abs);
    expect(Math.max(...v)).toBeLessThanOrEqual(0.1 / 8 + 1e-7);
    expect(Math.max(...v)).toBeGreaterThan(0.1 / 80);
    T.dispose([knots, basis, spline]);
    l.dispose();
  });

  test('FourierKAN: zero bias, coefficients of scale 1/(sqrt(in) sqrt(g))', async () => {
    T.manualSeed(4);
    const l = new FourierKANLayer(64, 32, { device: cpu, gridSize: 4 });
    const c = await l.fouriercoeffs.data();
    const std = Math.sqrt(Array.from(c).reduce((a, v) => a + v * v, 0) / c.length);
    expect(std).toBeGreaterThan(0.9 / 16);
    expect(std).toBeLessThan(1.1 / 16);
    expect(Array.from(await l.bias!.data())).toEqual(new Array(32).fill(0));
    l.dispose();
  });

  test('FastKAN: spline weights N(0, 0.1^2) truncated to [-2, 2]; with scale 2 nothing leaves the bounds', async () => {
    T.manualSeed(5);
    const l = new FastKANLayer(40, 20, { device: cpu, splineWeightInitScale: 2 });
    const w = Array.from(await l.splineLinear.weight.data());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(2);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(1.5);
    l.dispose();
  });
});

describe('invalid options', () => {
  test.each([
    ['EfficientKAN gridSize', () => new EfficientKANLayer(3, 2, { gridSize: 0 }), /EfficientKANLayer: gridSize must be an integer >= 1, got 0/],
    ['EfficientKAN splineOrder', () => new EfficientKANLayer(3, 2, { splineOrder: 1.5 }), /splineOrder must be an integer >= 0/],
    ['EfficientKAN gridRange', () => new EfficientKANLayer(3, 2, { gridRange: [1, -1] }), /gridRange must be \[lo, hi\] with finite lo < hi/],
    ['EfficientKAN gridEps', () => new EfficientKANLayer(3, 2, { gridEps: 2 }), /gridEps must be in \[0, 1\]/],
    ['EfficientKAN unknown option', () => new EfficientKANLayer(3, 2, { grid_size: 5 } as never), /unknown option 'grid_size' \(allowed: .*gridSize/],
    ['FastKAN numGrids', () => new FastKANLayer(3, 2, { numGrids: 1 }), /FastKANLayer: numGrids must be an integer >= 2, got 1/],
    ['FastKAN grid bounds', () => new FastKANLayer(3, 2, { gridMin: 1, gridMax: 1 }), /gridMin must be < gridMax/],
    ['FastKAN denominator', () => new FastKANLayer(3, 2, { denominator: 0 }), /denominator must be a finite number > 0/],
    ['FasterKAN invDenominator', () => new FasterKANLayer(3, 2, { invDenominator: -1 }), /invDenominator must be a finite number > 0/],
    ['ChebyKAN degree', () => new ChebyKANLayer(3, 2, { degree: -1 }), /ChebyKANLayer: degree must be an integer >= 0, got -1/],
    ['FourierKAN addBias', () => new FourierKANLayer(3, 2, { addBias: 'yes' as never }), /addBias must be true or false/],
    ['BSRBF gridSize + splineOrder', () => new BSRBFKANLayer(3, 2, { gridSize: 1, splineOrder: 0 }), /gridSize \+ splineOrder must be >= 2/],
    ['inFeatures', () => new ChebyKANLayer(0, 2), /inFeatures must be an integer >= 1, got 0/],
  ])('%s', (_what, make, message) => {
    expect(make).toThrow(T.ValueError);
    expect(make).toThrow(message);
  });

  test('bad input shape, dtype and backend name the layer', () => {
    const l = new ChebyKANLayer(4, 2, { device: cpu });
    const x = T.ones([3, 5], { device: cpu });
    expect(() => l.forward(x)).toThrow(/ChebyKANLayer\(4 -> 2\): expected input of shape \[\.\.\., 4\], got \[3, 5\]/);
    const xi = T.ones([3, 4], { device: cpu, dtype: 'int32' });
    expect(() => l.forward(xi)).toThrow(T.DTypeError);
    T.dispose([x, xi]);
    l.dispose();
  });
});
