import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { buildKAN } from './index.js';

// Counts are pinned to numbers derived by hand from the spec's formulas and the FLOP model of
// src/flops.ts, never to what the code reports about itself.

const cpu = await T.initBackend('cpu');
const widths = [784, 64, 10];

describe('parameter counts for 784-64-10', () => {
  test('MLP baseline: 52,512 as in the spec', () => {
    const m = buildKAN(widths, 'mlp', { device: cpu });
    // Per layer LayerNorm(D) (2D) and W (O x D), no bias: (2 784 + 784 64) + (2 64 + 64 10).
    const byHand = 2 * 784 + 784 * 64 + (2 * 64 + 64 * 10);
    expect(byHand).toBe(52_512);
    expect(m.usedParameterCount()).toBe(52_512);
    expect(m.numParameters()).toBe(52_512);
    m.dispose();
  });

  test('AF-KAN, g = k = 3, global_attn, LayerNorm: 52,552 (the spec\'s "about 52.5k")', () => {
    const m = buildKAN(widths, 'afkan', { gridSize: 3, splineOrder: 3, methods: ['global_attn'], norm: 'layer', device: cpu });
    // n = g + k = 6. Per layer (D -> O): the shared grid s, e (2n = 12), Linear(n, 1) of the
    // attention (n + 1 = 7), the temperature (1), LayerNorm(D) (2D), W (O x D):
    //   784 -> 64: 12 + 7 + 1 + 1568 + 50176 = 51,764
    //    64 -> 10: 12 + 7 + 1 +  128 +   640 =    788
    const byHand = (12 + 7 + 1 + 2 * 784 + 64 * 784) + (12 + 7 + 1 + 2 * 64 + 10 * 64);
    expect(byHand).toBe(52_552);
    expect(m.usedParameterCount()).toBe(52_552);
    expect(m.numParameters()).toBe(52_552);
    m.dispose();
  });

  test('AF-KAN with the other reductions and norms', () => {
    const count = (o: Parameters<typeof buildKAN<'afkan'>>[2]): number => {
      const m = buildKAN(widths, 'afkan', { ...o, device: cpu });
      const c = m.usedParameterCount();
      m.dispose();
      return c;
    };
    // multistep: Linear(n, 1) only, no temperature.
    expect(count({ methods: ['multistep'] })).toBe((12 + 7 + 1568 + 50176) + (12 + 7 + 128 + 640));
    // spatial_attn: depthwise conv (3n weights + n biases = 24) and the temperature.
    expect(count({ methods: ['spatial_attn'] })).toBe((12 + 24 + 1 + 1568 + 50176) + (12 + 24 + 1 + 128 + 640));
    // All three share Linear(n, 1) and the temperature, as the reference.
    expect(count({ methods: ['global_attn', 'spatial_attn', 'multistep'] })).toBe((12 + 7 + 24 + 1 + 1568 + 50176) + (12 + 7 + 24 + 1 + 128 + 640));
    // No norm, and a frozen grid (buffers, not parameters).
    expect(count({ norm: 'none', trainGrid: false })).toBe((7 + 1 + 50176) + (7 + 1 + 640));
    // g = 5, k = 3: n = 8.
    expect(count({ gridSize: 5 })).toBe((16 + 9 + 1 + 1568 + 50176) + (16 + 9 + 1 + 128 + 640));
  });

  test('ReLU-KAN, g = 5, k = 3: per-input grids and a dense map over D n bumps', () => {
    const m = buildKAN(widths, 'relukan', { device: cpu });
    // n = 8: 2 D n grid values, O D n weights, O biases per layer.
    const byHand = (2 * 784 * 8 + 64 * 784 * 8 + 64) + (2 * 64 * 8 + 10 * 64 * 8 + 10);
    expect(byHand).toBe(420_170);
    expect(m.usedParameterCount()).toBe(byHand);
    m.dispose();
  });

  test('an MLP with PolyReLU counts its coefficients (r + 1 per activated layer)', () => {
    const m = buildKAN(widths, 'mlp', { activation: 'polyrelu', device: cpu });
    expect(m.usedParameterCount()).toBe(52_512 + 2 * 4);
    const n = buildKAN(widths, 'mlp', { activation: 'polyrelu', activateOutput: false, device: cpu });
    expect(n.usedParameterCount()).toBe(52_512 + 4);
    m.dispose();
    n.dispose();
  });
});

describe('analytic forward FLOPs per sample for 784-64-10', () => {
  // The FLOP model: LayerNorm(d) = 7d + 1, softmax(d) = 5d, a map = 2 D O, silu = 4 per value.
  test('MLP baseline (silu)', () => {
    const m = buildKAN(widths, 'mlp', { device: cpu });
    const layer = (d: number, o: number): number => (7 * d + 1) + 2 * d * o + 4 * o;
    expect(m.layers.map((l) => l.flops())).toEqual([layer(784, 64), layer(64, 10)]);
    expect(m.flops()).toBe(106_097 + 1_769);
    m.dispose();
  });

  test('AF-KAN (silu, quad1, global_attn, LayerNorm)', () => {
    const m = buildKAN(widths, 'afkan', { device: cpu });
    const n = 6;
    // Basis per (input, bump): 2 subtractions, 2 silu (4 each), quad1 (2) = 12.
    // global_attn per input: z (2n + 1), sum (n), / tau, alpha * sum (2 more) plus softmax(D).
    const layer = (d: number, o: number): number => d * n * 12 + d * (2 * n + 1 + n + 2) + 5 * d + (7 * d + 1) + 4 * d + 2 * d * o;
    expect(layer(784, 64)).toBe(185_809);
    expect(m.flops()).toBe(layer(784, 64) + layer(64, 10));
    m.dispose();
  });

  test('a multi-method AF-KAN model counts every path and the combination', () => {
    const one = buildKAN(widths, 'afkan', { methods: ['global_attn'], device: cpu });
    const other = buildKAN(widths, 'afkan', { methods: ['multistep'], device: cpu });
    const both = buildKAN(widths, 'afkan', { methods: ['global_attn', 'multistep'], combine: 'sum_product', device: cpu });
    // sum_product of two (B, 10) outputs: one add, one multiply, one add per value.
    expect(both.flops()).toBe(one.flops() + other.flops() + 3 * 10);
    for (const m of [one, other, both]) m.dispose();
  });
});

describe('the other variants through buildKAN, against the spec\'s table (784-64-10)', () => {
  // The counts the same author's harness reports; each variant's layer derives its own.
  const table: [Parameters<typeof buildKAN>[1], object, number][] = [
    ['efficientkan', { gridSize: 5, splineOrder: 3 }, 508_160],
    ['fastkan', {}, 459_114],
    ['fasterkan', {}, 408_224],
    ['bsrbfkan', { gridSize: 5, splineOrder: 3 }, 459_040],
    // Not in the table; by hand: ChebyKAN (degree + 1) D O coefficients, FourierKAN 2 g D O
    // harmonics, O biases and LayerNorm(D) per layer.
    ['chebykan', { degree: 3 }, 4 * 784 * 64 + 4 * 64 * 10],
    ['fourierkan', { gridSize: 8 }, (2 * 8 * 784 * 64 + 64 + 2 * 784) + (2 * 8 * 64 * 10 + 10 + 2 * 64)],
  ];
  for (const [variant, options, want] of table) {
    test(`${variant}: ${want.toLocaleString('en')}`, () => {
      const m = buildKAN(widths, variant, { ...options, device: cpu } as never);
      expect(m.numParameters()).toBe(want);
      expect(m.flops()).toBeGreaterThan(0);
      m.dispose();
    });
  }
});
