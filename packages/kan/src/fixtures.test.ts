import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import type { Module } from '@nonlinear/nn';
import { testBackends } from './test-util/backends.js';
import { compareFixture, compareGrad, fixtureTensor, loadFixtures, type KANFixture } from './test-util/fixtures.js';
import { AFKANLayer, ReLUKANLayer, buildKAN, type AFKANOptions } from './index.js';

const backends = await testBackends();
const fixtures = loadFixtures();

type Forward = Module & { forward(x: Tensor): Tensor };

/** The module a fixture describes, fused or as the composition of public ops. */
function build(c: KANFixture, device: T.Backend, fused: boolean): Forward {
  const { inFeatures, outFeatures, widths, ...options } = c.config;
  switch (c.kind) {
    case 'afkan_layer':
      return new AFKANLayer(inFeatures!, outFeatures!, { ...(options as AFKANOptions), fused, device });
    case 'afkan_model':
      return buildKAN(widths!, 'afkan', { ...(options as AFKANOptions), fused, device });
    case 'relukan_layer':
      return new ReLUKANLayer(inFeatures!, outFeatures!, { ...options, fused, device });
    case 'mlp_model':
      return buildKAN(widths!, 'mlp', { ...options, device });
    default:
      throw new Error(`unknown fixture kind ${c.kind}`);
  }
}

// On webgpu every case runs fused; the compositions (many more pipelines to compile) on a few.
const COMPOSED_ON_GPU = new Set(['afkan_fn_cubic1', 'afkan_spatial_attn', 'afkan_l2mm_sample', 'afkan_model_quadratic', 'relukan_layer_3d']);

describe.each(backends.map((b) => [b.name, b] as const))('PyTorch fixtures on %s', (_name, device) => {
  const rtol = device.name === 'cpu' ? 5e-5 : 2e-4;
  for (const c of fixtures) {
    // The MLP has no fused/composed switch of its own.
    const composed = c.kind !== 'mlp_model' && (device.name === 'cpu' || COMPOSED_ON_GPU.has(c.name));
    const variants = composed ? [true, false] : [true];
    test(c.name, async () => {
      const floor = Object.values(c.grads.params).reduce((m, g) => g.data.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0);
      for (const fused of variants) {
        const label = fused ? 'fused' : 'composed';
        const module = build(c, device, fused);
        const sd = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fixtureTensor(v, device)]));
        const loaded = module.loadStateDict(sd, { strict: false });
        T.dispose(Object.values(sd));
        // Only buffers (BatchNorm's running statistics) may be absent from the fixture.
        const params = new Set(module.namedParameters().map(([n]) => n));
        expect(loaded.unexpectedKeys).toEqual([]);
        expect(loaded.missingKeys.filter((k) => params.has(k))).toEqual([]);
        const x = fixtureTensor(c.inputs[0]!, device, true);
        const cot = fixtureTensor(c.cotangent, device);
        const named = module.namedParameters();
        expect(named.map(([n]) => n).sort()).toEqual(Object.keys(c.grads.params).sort());
        const y = module.forward(x);
        const grads = T.gradients([y], [x, ...named.map(([, p]) => p)], [cot]);
        const problems: string[] = [];
        const out = await compareFixture(y, c.output, rtol);
        if (out) problems.push(`${label} output: ${out}`);
        const dx = await compareFixture(grads[0]!, c.grads.inputs[0]!, rtol);
        if (dx) problems.push(`${label} dL/dx: ${dx}`);
        for (const [i, [n]] of named.entries()) {
          const p = await compareGrad(grads[i + 1]!, c.grads.params[n]!, rtol, floor);
          if (p) problems.push(`${label} dL/d${n}: ${p}`);
        }
        expect(problems).toEqual([]);
        T.dispose([x, cot, y, grads]);
        module.dispose();
      }
    }, 60_000);
  }
});
