import * as T from '@nonlinear/tensor';
import { ValueError } from '@nonlinear/tensor';
import { Linear, Sequential } from '@nonlinear/nn';
import { GELU, PolyReLU, ReLU, ReLU2 } from '@nonlinear/activations';
import { describe, expect, test } from 'vitest';
import { exactnessError, polynomialConstruction, productConstruction, relu2Construction, reluConstruction, toPolyReLU, type ExactConstruction } from './exactness.js';
import { testBackends } from './test-util/backends.js';

/*
 * The constructions of Theorem 1 / Theorem 3's building blocks: PolyReLU networks with explicit
 * weights equal ReLU, ReLU^2, cubic polynomials and x y up to rounding. References are computed
 * on the host in float64 from the formulas. float64 on cpu; float32 on every backend.
 */

const backends = await testBackends();
const cpu = backends[0]!;

type Build = (o: { device: T.Backend; dtype: 'float32' | 'float64' }) => ExactConstruction;
const builds: [string, Build, number][] = [
  // [name, construction, bound in units of eps (relative to max(|reference|, 1))]. The polynomial's
  // Vandermonde output weights cancel (terms up to 27 x^3 sum to p(x)): ~50 eps there.
  ['relu', (o) => reluConstruction(o), 0],
  ['relu2', (o) => relu2Construction(o), 1],
  ['cubic 0.5 - 2x + 0.75x^2 + 1.5x^3', (o) => polynomialConstruction([0.5, -2, 0.75, 1.5], o), 128],
  ['quadratic 1 + x^2 (even, degree < r)', (o) => polynomialConstruction([1, 0, 1], o), 128],
  ['product x y', (o) => productConstruction(o), 8],
];

describe.each([['cpu float64', cpu, 'float64'] as const, ...backends.map((b) => [`${b.name} float32`, b, 'float32'] as const)])('exact constructions on %s', (_n, device, dtype) => {
  test.each(builds)('%s: error at float precision on a grid of [-2, 2]^d', async (name, build, bound) => {
    const c = build({ device, dtype });
    try {
      const r = await exactnessError(c, { device, dtype, low: -2, high: 2, points: 4096 });
      console.log(`[exactness] ${device.name} ${dtype} ${name}: max |err| ${r.maxAbs.toExponential(2)} (${r.epsUnits.toFixed(2)} eps of max(|f|, 1) = ${r.scale.toFixed(3)})`);
      expect(r.points).toBe(4096);
      expect(r.epsUnits).toBeLessThanOrEqual(bound);
    } finally {
      c.model.dispose();
    }
  });
});

describe('constructions by hand', () => {
  test('the product network has the polarisation weights and 4 hidden units', async () => {
    const c = productConstruction({ device: cpu, dtype: 'float64' });
    const sd = c.model.stateDict();
    expect(Array.from(await sd['0.weight']!.data())).toEqual([1, 1, -1, -1, 1, -1, -1, 1]);
    expect(Array.from(await sd['2.weight']!.data())).toEqual([0.25, 0.25, -0.25, -0.25]);
    expect(await (c.model.at(1) as PolyReLU).coefficients()).toEqual([0, 0, 1, 0]);
    // 3 x 4 = 12 at the grid point (3, 4); also a negative pair.
    const x = T.tensor([3, 4, -1.5, 2], { device: cpu, dtype: 'float64', shape: [2, 2] });
    const y = c.model.forward(x);
    expect(Array.from(await y.data())).toEqual([12, -3]);
    T.dispose([x, y]);
    c.model.dispose();
  });

  test('the polynomial network reproduces p(x) = 1 - x + 2x^3 at integers, both signs', async () => {
    const c = polynomialConstruction([1, -1, 0, 2], { device: cpu, dtype: 'float64' });
    const x = T.tensor([-3, -1, 0, 1, 2], { device: cpu, dtype: 'float64', shape: [5, 1] });
    const y = c.model.forward(x);
    const got = Array.from(await y.data());
    // p(-3) = 1 + 3 - 54 = -50; p(-1) = 1 + 1 - 2 = 0; p(0) = 1; p(1) = 2; p(2) = 1 - 2 + 16 = 15.
    [-50, 0, 1, 2, 15].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 11));
    expect(c.model.numParameters()).toBe(6 + 6 + 4 + 6 + 1);
    T.dispose([x, y]);
    c.model.dispose();
  });

  test('bad inputs name what was wrong', () => {
    expect(() => polynomialConstruction([1, 2, 3, 4, 5], { device: cpu })).toThrow(ValueError);
    expect(() => polynomialConstruction([1, 2, 3, 4, 5], { device: cpu })).toThrow(/degree <= the order 3/);
    expect(() => polynomialConstruction([], { device: cpu })).toThrow(/coefficients/);
    expect(() => reluConstruction({ device: cpu, order: 0 })).toThrow(/order/);
    expect(() => productConstruction({ device: cpu, order: 1 })).toThrow(/order must be an integer >= 2/);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('toPolyReLU on %s (Theorem 1: same size)', (_n, device) => {
  test('a random ReLU / ReLU^2 network and its PolyReLU twin agree bit for bit', async () => {
    T.manualSeed(7);
    const net = new Sequential(new Linear(3, 8, { device }), new ReLU(), new Linear(8, 8, { device }), new ReLU2(), new Linear(8, 2, { device }));
    const twin = toPolyReLU(net, { device });
    const x = T.randn([64, 3], { device });
    const a = net.forward(x);
    const b = twin.forward(x);
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    // Same matrices; PolyReLU adds its r + 1 = 4 coefficients per activation.
    expect(twin.numParameters()).toBe(net.numParameters() + 2 * 4);
    expect(await (twin.at(1) as PolyReLU).coefficients()).toEqual([0, 1, 0, 0]);
    expect(await (twin.at(3) as PolyReLU).coefficients()).toEqual([0, 0, 1, 0]);
    T.dispose([x, a, b]);
    net.dispose();
    twin.dispose();
  });

  test('a module without a PolyReLU equivalent is named in the error', () => {
    const net = new Sequential(new Linear(2, 2, { device }), new GELU());
    expect(() => toPolyReLU(net, { device })).toThrow(/element 1 is a GELU/);
    net.dispose();
  });
});
