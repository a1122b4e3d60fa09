import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { testBackends } from './test-util/backends.js';
import { compareFixture } from './test-util/fixtures.js';
import { ELU, LeakyReLU, SELU, Sigmoid, Softplus, Tanh, activation, type ActivationModule } from './index.js';

const backends = await testBackends();
const cpu = backends[0]!;

/** Inputs exact in float32, on both sides of 0 and of softplus's threshold 3 / beta 2 = 1.5. */
const X = [-3, -1, -0.25, 0.5, 2, 4];

/**
 * PyTorch 1.13's values, in float64, of each module on X and of d(sum y)/dx (torch.nn.LeakyReLU(),
 * LeakyReLU(0.2), ELU(), ELU(0.5), SELU(), Softplus(), Softplus(beta=2, threshold=3), Sigmoid(),
 * Tanh()), to 9 significant digits.
 */
const TORCH: { label: string; make: () => ActivationModule; y: number[]; dy: number[] }[] = [
  { label: 'LeakyReLU()', make: () => new LeakyReLU(), y: [-0.03, -0.01, -0.0025, 0.5, 2.0, 4.0], dy: [0.01, 0.01, 0.01, 1, 1, 1] },
  { label: 'LeakyReLU(0.2)', make: () => new LeakyReLU({ negativeSlope: 0.2 }), y: [-0.6, -0.2, -0.05, 0.5, 2.0, 4.0], dy: [0.2, 0.2, 0.2, 1, 1, 1] },
  {
    label: 'ELU()', make: () => new ELU(),
    y: [-0.950212932, -0.632120559, -0.221199217, 0.5, 2.0, 4.0], dy: [0.0497870684, 0.367879441, 0.778800783, 1, 1, 1],
  },
  {
    label: 'ELU(0.5)', make: () => new ELU({ alpha: 0.5 }),
    y: [-0.475106466, -0.316060279, -0.110599608, 0.5, 2.0, 4.0], dy: [0.0248935342, 0.183939721, 0.389400392, 1, 1, 1],
  },
  {
    label: 'SELU()', make: () => new SELU(),
    y: [-1.67056873, -1.11133074, -0.388890197, 0.525350494, 2.10140197, 4.20280395],
    dy: [0.0875306121, 0.646768603, 1.36920914, 1.05070099, 1.05070099, 1.05070099],
  },
  {
    label: 'Softplus()', make: () => new Softplus(),
    y: [0.0485873516, 0.313261688, 0.57593942, 0.974076984, 2.12692801, 4.01814993],
    dy: [0.0474258732, 0.268941421, 0.437823499, 0.622459331, 0.880797078, 0.98201379],
  },
  {
    label: 'Softplus(beta=2, threshold=3)', make: () => new Softplus({ beta: 2, threshold: 3 }),
    y: [0.00123784257, 0.0634640055, 0.237038492, 0.656630844, 2.0, 4.0], dy: [0.00247262316, 0.119202922, 0.377540669, 0.731058579, 1, 1],
  },
  {
    label: 'Sigmoid()', make: () => new Sigmoid(),
    y: [0.0474258732, 0.268941421, 0.437823499, 0.622459331, 0.880797078, 0.98201379],
    dy: [0.0451766597, 0.196611933, 0.246134083, 0.235003712, 0.104993585, 0.0176627062],
  },
  {
    label: 'Tanh()', make: () => new Tanh(),
    y: [-0.995054754, -0.761594156, -0.244918662, 0.462117157, 0.96402758, 0.9993293],
    dy: [0.00986603717, 0.419974342, 0.940014849, 0.786447733, 0.0706508249, 0.00134095068],
  },
];

describe.each(backends.map((b) => [b.name, b] as const))('LeakyReLU, ELU, SELU, Softplus, Sigmoid, Tanh on %s', (_name, device) => {
  // float32 results against float64 references: a few float32 ulps (more for webgpu's exp).
  const rtol = device.name === 'cpu' ? 2e-7 : 2e-6;
  for (const c of TORCH) {
    test(`${c.label}: output and input gradient match PyTorch`, async () => {
      const m = c.make();
      const x = T.tensor(X, { device, requiresGrad: true });
      const y = m.forward(x);
      const [dx] = T.gradients([y.sum()], [x]);
      expect(await compareFixture(y, { shape: [X.length], data: c.y }, rtol)).toBeNull();
      expect(await compareFixture(dx!, { shape: [X.length], data: c.dy }, rtol)).toBeNull();
      T.dispose([x, y, dx]);
      m.dispose();
    });
  }

  test('the registry builds them by name with PyTorch option names, each call a new module', async () => {
    const x = T.tensor(X, { device });
    const pairs: [ActivationModule, ActivationModule][] = [
      [activation('leaky_relu', { negativeSlope: 0.2 }), new LeakyReLU({ negativeSlope: 0.2 })],
      [activation('elu', { alpha: 0.5 }), new ELU({ alpha: 0.5 })],
      [activation('selu'), new SELU()],
      [activation('softplus', { beta: 2, threshold: 3 }), new Softplus({ beta: 2, threshold: 3 })],
      [activation('sigmoid'), new Sigmoid()],
      [activation('tanh'), new Tanh()],
    ];
    for (const [byName, direct] of pairs) {
      expect(byName.constructor).toBe(direct.constructor);
      expect(byName.toString()).toBe(direct.toString());
      const [a, b] = [byName.forward(x), direct.forward(x)];
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      T.dispose([a, b]);
      byName.dispose();
      direct.dispose();
    }
    x.dispose();
  });

  test.skipIf(!device.supportsDType('float64'))('float64 input stays float64 and nothing is left alive', async () => {
    const before = T.memory().liveTensors;
    const x = T.tensor(X, { device, dtype: 'float64', requiresGrad: true });
    const m = new ELU({ alpha: 0.5 });
    const y = m.forward(x);
    expect(y.dtype).toBe('float64');
    // float64 all the way: the reference holds to its 9 printed digits.
    expect(await compareFixture(y, { shape: [X.length], data: TORCH[3]!.y }, 5e-9)).toBeNull();
    const s = y.sum();
    s.backward();
    expect(x.grad!.dtype).toBe('float64');
    T.dispose([x.grad!, x, y, s]);
    m.dispose();
    expect(T.memory().liveTensors).toBe(before);
  });
});

describe('options, names and errors', () => {
  test('defaults and extraRepr are PyTorch\'s', () => {
    expect(new LeakyReLU().negativeSlope).toBe(0.01);
    expect(new ELU().alpha).toBe(1);
    const s = new Softplus();
    expect([s.beta, s.threshold]).toEqual([1, 20]);
    expect(new LeakyReLU({ negativeSlope: 0.2 }).toString()).toBe('LeakyReLU(negativeSlope=0.2)');
    expect(new ELU({ alpha: 0.5 }).toString()).toBe('ELU(alpha=0.5)');
    expect(new Softplus({ beta: 2, threshold: 3 }).toString()).toBe('Softplus(beta=2, threshold=3)');
    expect(activation('leaky_relu').toString()).toBe('LeakyReLU(negativeSlope=0.01)');
  });

  test('bad options and inputs are typed errors naming the layer', () => {
    expect(() => new LeakyReLU({ negativeSlope: Number.NaN })).toThrow(/LeakyReLU: negativeSlope must be a finite number, got NaN/);
    expect(() => new ELU({ alpha: Infinity })).toThrow(T.ValueError);
    expect(() => activation('elu', { alpha: '1' as unknown as number })).toThrow(/ELU: alpha must be a finite number, got 1/);
    expect(() => new Softplus({ beta: 0 })).toThrow(/Softplus: beta must be nonzero/);
    expect(() => new Softplus({ threshold: Number.NaN })).toThrow(/Softplus: threshold must be a finite number/);
    const ints = T.zeros([2], { dtype: 'int32', device: cpu });
    for (const m of [new LeakyReLU(), new ELU(), new SELU(), new Softplus(), new Sigmoid(), new Tanh()]) {
      expect(() => m.forward(ints)).toThrow(T.DTypeError);
      expect(() => m.forward(ints)).toThrow(new RegExp(`^${m.constructor.name}: input must be float32 or float64`));
    }
    ints.dispose();
    const z = T.zeros([1], { device: cpu });
    expect(() => T.leakyRelu(z, Number.NaN)).toThrow(/leakyRelu: negativeSlope must be a finite number/);
    expect(() => T.elu(z, Infinity)).toThrow(/elu: alpha must be a finite number/);
    z.dispose();
  });

  test('an unknown name lists every known name', () => {
    expect(() => activation('swish' as never)).toThrow(
      "activation: unknown activation 'swish' (known: relu, relu2, gelu, gelu_tanh, silu, polyrelu, polynorm, polycom, leaky_relu, elu, selu, softplus, sigmoid, tanh)",
    );
  });
});
