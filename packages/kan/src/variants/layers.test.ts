import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import type { Module } from '@nonlinear/nn';
import { testBackends } from '../test-util/backends.js';
import { compareFixture, fixtureTensor, loadVariantFixtures } from './test-util/fixtures.js';
import type { KANLayer } from '../layer.js';
import { BSRBFKANLayer, ChebyKANLayer, EfficientKANLayer, FastKANLayer, FasterKANLayer, FourierKANLayer } from './index.js';

const backends = await testBackends();
const fixtures = loadVariantFixtures();

type Layer = KANLayer & Module;

/** The layer a fixture case describes, fused or composed. */
function layerFor(kind: string, D: number, O: number, config: Record<string, unknown>, device: Backend, fused: boolean): Layer {
  const opts = { ...config, device, fused };
  switch (kind) {
    case 'efficientkan':
      return new EfficientKANLayer(D, O, opts);
    case 'fastkan':
      return new FastKANLayer(D, O, opts);
    case 'fasterkan':
      return new FasterKANLayer(D, O, opts);
    case 'chebykan':
      return new ChebyKANLayer(D, O, opts);
    case 'fourierkan':
      return new FourierKANLayer(D, O, opts);
    case 'bsrbfkan':
      return new BSRBFKANLayer(D, O, opts);
    default:
      throw new Error(`unknown fixture kind ${kind}`);
  }
}

describe.each(backends.map((b) => [b.name, b] as const))('PyTorch fixtures on %s', (_name, device) => {
  const rtol = device.name === 'cpu' ? 2e-5 : 2e-4;
  for (const c of fixtures.cases) {
    // The composed path once, on cpu (the basis tests compare it with the fused kernels on every backend).
    for (const fused of device.name === 'cpu' ? [true, false] : [true]) {
      test(`${c.name} (${fused ? 'fused' : 'composed'})`, async () => {
        const x = fixtureTensor(c.inputs[0]!, device, true);
        const cot = fixtureTensor(c.cotangent, device);
        const D = x.shape[x.ndim - 1]!;
        const O = c.output.shape[c.output.shape.length - 1]!;
        const layer = layerFor(c.kind, D, O, c.config, device, fused);
        const sd = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fixtureTensor(v, device)]));
        layer.loadStateDict(sd);
        T.dispose(Object.values(sd));
        const named = layer.namedParameters();
        expect(named.map(([n]) => n).sort()).toEqual(Object.keys(c.grads.params).sort());
        const y = layer.forward(x);
        const grads = T.gradients([y], [x, ...named.map(([, p]) => p)], [cot]);
        const problems: string[] = [];
        const check = async (what: string, got: Tensor | null, want: typeof c.output): Promise<void> => {
          const p = await compareFixture(got, want, rtol);
          if (p) problems.push(`${what}: ${p}`);
        };
        await check('output', y, c.output);
        await check('dL/dx', grads[0]!, c.grads.inputs[0]!);
        for (const [i, [n]] of named.entries()) await check(`dL/d${n}`, grads[i + 1]!, c.grads.params[n]!);
        expect(problems).toEqual([]);
        T.dispose([x, cot, y, ...grads.filter((g): g is Tensor => g !== null)]);
        layer.dispose();
      });
    }
  }
});
