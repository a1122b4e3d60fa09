import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { testBackends } from '../test-util/backends.js';
import { BSRBFKANLayer, ChebyKANLayer, EfficientKANLayer, FastKANLayer, FasterKANLayer, FourierKANLayer } from './index.js';

const backends = await testBackends();
const [D, O] = [5, 3];

interface Case {
  name: string;
  make(device: Backend): { forward(x: Tensor): Tensor; edgeFunctionsAt(u: Tensor): Tensor; edgeFunctions(points: number): { x: Tensor; y: Tensor }; dispose(): void };
  /** The per-input arguments of the edge functions for the sample x [1, D]. */
  args(layer: unknown, x: Tensor): Tensor;
  /** What the layer adds outside the edge functions (a bias, a branch on the raw input), [1, O]. */
  extra(layer: unknown, x: Tensor): Tensor | null;
  range: [number, number];
}

const normed = (l: unknown, x: Tensor): Tensor => (l as { layernorm: { forward(x: Tensor): Tensor } }).layernorm.forward(x).reshape([D]);

const CASES: Case[] = [
  { name: 'EfficientKAN', make: (device) => new EfficientKANLayer(D, O, { device, scaleNoise: 2 }), args: (_l, x) => x.reshape([D]), extra: () => null, range: [-1, 1] },
  { name: 'ChebyKAN', make: (device) => new ChebyKANLayer(D, O, { device }), args: (_l, x) => x.reshape([D]), extra: () => null, range: [-3, 3] },
  {
    name: 'FastKAN', make: (device) => new FastKANLayer(D, O, { device }), args: normed,
    extra: (l, x) => (l as FastKANLayer).baseLinear!.forward(x.silu()), range: [-2 - 8 / 7, 2 + 8 / 7],
  },
  { name: 'FasterKAN', make: (device) => new FasterKANLayer(D, O, { device }), args: normed, extra: () => null, range: [-3.2, 2.2] },
  { name: 'FourierKAN', make: (device) => new FourierKANLayer(D, O, { device, gridSize: 3 }), args: normed, extra: (l) => (l as FourierKANLayer).bias!.mul(1), range: [-Math.PI, Math.PI] },
  { name: 'BSRBFKAN', make: (device) => new BSRBFKANLayer(D, O, { device }), args: normed, extra: () => null, range: [-1.5, 1.5] },
];

describe.each(backends.map((b) => [b.name, b] as const))('edge functions on %s', (_name, device) => {
  for (const c of CASES) {
    test(`${c.name}: summing phi_{o,i}(x_i) over the inputs gives the output`, async () => {
      T.manualSeed(21);
      const layer = c.make(device);
      if (layer instanceof FourierKANLayer) T.noGrad(() => T.updateInPlace('test', [layer.bias!], [0.25], (v) => [v]));
      const x = T.randn([1, D], { device, std: 0.8 });
      const y = layer.forward(x);
      const u = c.args(layer, x);
      const edges = layer.edgeFunctionsAt(u);
      expect(edges.shape).toEqual([O, D, D]);
      const e = await edges.data();
      const extra = c.extra(layer, x);
      const ex = extra ? await extra.data() : null;
      const want = await y.data();
      const scale = Math.max(...Array.from(want).map(Math.abs));
      for (let o = 0; o < O; o++) {
        let sum = ex ? ex[o]! : 0;
        for (let i = 0; i < D; i++) sum += e[(o * D + i) * D + i]!;
        expect(Math.abs(sum - want[o]!)).toBeLessThan(2e-5 * (scale + 1));
      }
      const sampled = layer.edgeFunctions(7);
      expect(sampled.y.shape).toEqual([O, D, 7]);
      const xs = await sampled.x.data();
      expect(xs[0]).toBeCloseTo(c.range[0], 5);
      expect(xs[6]).toBeCloseTo(c.range[1], 5);
      T.dispose([x, y, u, edges, sampled.x, sampled.y, ...(extra ? [extra] : [])]);
      layer.dispose();
    });
  }

  test('edgeFunctions checks its arguments', () => {
    const layer = new ChebyKANLayer(2, 2, { device });
    expect(() => layer.edgeFunctions(1)).toThrow(/points must be an integer >= 2/);
    expect(() => layer.edgeFunctions(5, [1, 0])).toThrow(/range must be \[lo, hi\]/);
    const bad = T.ones([2, 2], { device });
    expect(() => layer.edgeFunctionsAt(bad)).toThrow(T.ShapeError);
    bad.dispose();
    layer.dispose();
  });
});
