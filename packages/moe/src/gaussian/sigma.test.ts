import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { ValueError } from '@nonlinear/tensor';
import { activation, activationKinds, type ActivationKind } from '@nonlinear/activations';
import { testBackends } from '../test-util/backends.js';
import { gateActivation, gateActivationNames } from './index.js';

const backends = await testBackends();
const zs = Float64Array.from({ length: 41 }, (_, i) => -6 + 0.3 * i + 0.01);

describe('gate activations: the float64 table against the tensor ops', () => {
  for (const name of gateActivationNames()) {
    test(`${name}: value, first and second derivative (cpu float64, autograd)`, () => {
      const s = gateActivation(name);
      const f = (z: T.Tensor): T.Tensor => T.sum(s.tensor(z));
      const z = T.tensor(zs, { device: 'cpu', dtype: 'float64' });
      const value = s.tensor(z).dataSync();
      const d1 = T.grad(f)(z)[0]!.dataSync();
      const d2 = T.grad((w: T.Tensor) => T.sum(T.grad(f, { createGraph: true })(w)[0]!))(z)[0]!.dataSync();
      for (let i = 0; i < zs.length; i++) {
        const v = zs[i]!;
        expect(Math.abs(s.f(v) - value[i]!)).toBeLessThan(1e-13 * (1 + Math.abs(value[i]!)));
        expect(Math.abs(s.d1(v) - d1[i]!)).toBeLessThan(1e-12 * (1 + Math.abs(d1[i]!)));
        expect(Math.abs(s.d2(v) - d2[i]!)).toBeLessThan(1e-11 * (1 + Math.abs(d2[i]!)));
        const out = new Float64Array(3);
        s.all(v, out);
        expect(Array.from(out)).toEqual([s.f(v), s.d1(v), s.d2(v)]);
      }
    });
  }

  for (const device of backends) {
    test(`values agree with the tensor op on ${device.name}`, async () => {
      const dtype = device.name === 'cpu' ? 'float64' : 'float32';
      for (const name of gateActivationNames()) {
        const s = gateActivation(name);
        const got = await s.tensor(T.tensor(zs, { device, dtype })).data();
        for (let i = 0; i < zs.length; i++) expect(Math.abs(got[i]! - s.f(zs[i]!))).toBeLessThan((dtype === 'float64' ? 1e-13 : 2e-6) * (1 + Math.abs(s.f(zs[i]!))));
      }
    });
  }

  test('names shared with the activations registry compute the same function', async () => {
    const shared = gateActivationNames().filter((n) => (activationKinds() as string[]).includes(n));
    expect(shared.length).toBeGreaterThan(0);
    for (const name of shared) {
      const module = activation(name as ActivationKind);
      const got = await module.forward(T.tensor(zs, { device: 'cpu', dtype: 'float64' })).data();
      for (let i = 0; i < zs.length; i++) expect(got[i]).toBeCloseTo(gateActivation(name).f(zs[i]!), 12);
    }
  });

  test('the identity, ReLU and unknown names are refused', () => {
    expect(() => gateActivation('relu')).toThrow(/temperature gate/);
    expect(() => gateActivation('identity')).toThrow(ValueError);
    expect(() => gateActivation('swish2')).toThrow(/unknown gate activation 'swish2'/);
    expect(() => gateActivation(undefined)).toThrow(/needs params.activation/);
  });
});
