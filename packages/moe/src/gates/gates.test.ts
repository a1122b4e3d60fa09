import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { constant_ } from '@nonlinear/nn';
import { testBackends } from '../test-util/backends.js';
import { compareFixture, fixtureTensor, loadGateFixtures } from '../test-util/fixtures.js';
import { ActivationGate, ExpertChoiceGate, SigmoidGate, SoftmaxGate, TemperatureGate, TopKGate, createGate, gateKinds, gumbelNoise, loadBalancingLoss, routerZLoss, type GateKind } from '../index.js';

const backends = await testBackends();
const { gates, losses } = loadGateFixtures();

describe.each(backends.map((b) => [b.name, b] as const))('PyTorch fixtures on %s', (_name, device) => {
  test.each(gates.map((c) => [c.name, c] as const))('%s: weights, mask, probs, logits and the gradients of <weights, g>', async (_n, c) => {
    const gate = createGate(c.kind as GateKind, c.x.shape[1]!, c.numExperts, { ...c.config, device });
    const state = Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fixtureTensor(v, device)]));
    gate.loadStateDict(state);
    const x = fixtureTensor(c.x, device, true);
    const noise = c.noise ? fixtureTensor(c.noise, device) : undefined;
    const out = gate.route(x, { noise });
    const cot = fixtureTensor(c.cotangent, device);
    const params = Object.keys(c.state).map((k) => gate.getParameter(k));
    const grads = T.gradients([out.weights], [x, ...params], [cot]);
    const checks: [string, T.Tensor | null, (typeof c)['x']][] = [
      ['weights', out.weights, c.weights], ['mask', out.mask, c.mask], ['probs', out.probs, c.probs], ['logits', out.logits, c.logits], ['dx', grads[0]!, c.grads.x],
      ...Object.keys(c.state).map((k, i) => [`d${k}`, grads[i + 1]!, c.grads.params[k]!] as [string, T.Tensor | null, (typeof c)['x']]),
    ];
    for (const [what, got, want] of checks) expect(await compareFixture(got, want, 2e-5), what).toBeNull();
    T.dispose([state, x, noise, out, cot, grads]);
    gate.dispose();
  }, 60_000);

  test.each(losses.map((c) => [c.name, c] as const))('%s: value and gradient', async (_n, c) => {
    const logits = fixtureTensor(c.logits, device, true);
    const mask = c.mask ? fixtureTensor(c.mask, device) : null;
    const loss = T.tidy(() => (c.kind === 'zLoss' ? routerZLoss(logits, c.weight) : loadBalancingLoss(T.softmax(logits, -1), mask!, c.weight)));
    expect(await loss.item()).toBeCloseTo(c.loss, 6 - Math.max(0, Math.ceil(Math.log10(Math.abs(c.loss)))));
    const [g] = T.gradients([loss], [logits]);
    expect(await compareFixture(g!, c.gradLogits, 2e-5)).toBeNull();
    T.dispose([logits, mask, loss, g]);
  }, 60_000);
});

describe('gates', () => {
  const device = backends[0]!;

  test('the fixtures cover every gate kind and both bias placements', () => {
    expect(new Set(gates.map((c) => c.kind))).toEqual(new Set(gateKinds()));
    expect(new Set(gates.filter((c) => c.kind === 'activation').map((c) => c.config.biasPlacement))).toEqual(new Set(['inside', 'outside']));
  });

  test('createGate builds each kind; parameters named as PyTorch routers', () => {
    const classes = { softmax: SoftmaxGate, topk: TopKGate, temperature: TemperatureGate, activation: ActivationGate, sigmoid: SigmoidGate, expert_choice: ExpertChoiceGate };
    for (const k of gateKinds()) {
      const g = createGate(k, 6, 3, { device });
      expect(g).toBeInstanceOf(classes[k]);
      expect(g.kind).toBe(k);
      expect(g.weight.shape).toEqual([3, 6]);
      g.dispose();
    }
    const noisy = new TopKGate(6, 3, { noisy: true, device });
    expect(noisy.namedParameters().map(([n, t]) => [n, t.shape])).toEqual([['weight', [3, 6]], ['noiseWeight', [3, 6]]]);
    noisy.dispose();
    const act = new ActivationGate(6, 3, { activation: 'gelu', device });
    expect(act.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    act.dispose();
  });

  test('noisy gates draw noise in training mode only; explicit noise is used as given', async () => {
    const x = T.randn([5, 6], { device });
    for (const g of [new TopKGate(6, 4, { noisy: true, device }), new TemperatureGate(6, 4, { gumbel: true, device })]) {
      if (g instanceof TopKGate) constant_(g.noiseWeight!, 1);
      const a = g.route(x);
      const b = g.route(x);
      expect(Array.from(await a.logits.data())).not.toEqual(Array.from(await b.logits.data()));
      g.eval();
      const c = g.route(x);
      const d = g.route(x);
      expect(Array.from(await c.logits.data())).toEqual(Array.from(await d.logits.data()));
      T.dispose([a, b, c, d]);
      g.dispose();
    }
    const plain = new TopKGate(6, 4, { device });
    expect(() => plain.route(x, { noise: T.zeros([5, 4], { device }) })).toThrow(/has no noise/);
    plain.dispose();
    x.dispose();
  });

  test('Gumbel noise: mean of the Gumbel(0, 1) distribution (the Euler-Mascheroni constant)', async () => {
    T.manualSeed(7);
    const like = T.zeros([1], { device });
    const g = gumbelNoise([20000], like);
    expect(await T.mean(g).item()).toBeCloseTo(0.5772, 1);
    T.dispose([g, like]);
  });

  test('the threshold never leaves a token without an expert; tau sharpens the gate', async () => {
    const x = T.randn([8, 6], { device });
    const g = new TemperatureGate(6, 4, { threshold: 0.9, device });
    const r = g.route(x);
    const perToken = T.sum(r.mask, 1);
    expect(Array.from(await perToken.data())).toEqual(Array(8).fill(1));
    g.tau = 100;
    const soft = new TemperatureGate(6, 4, { threshold: 0.001, tau: 100, device });
    soft.loadStateDict({ weight: g.weight });
    const r2 = soft.route(x);
    expect(await T.sum(r2.mask).item()).toBe(32);
    T.dispose([x, r, perToken, r2]);
    g.dispose();
    soft.dispose();
  });

  test('expert choice: every expert takes exactly its capacity', async () => {
    const g = new ExpertChoiceGate(6, 4, { capacityFactor: 1.5, device });
    expect(g.capacity(10)).toBe(4);
    expect(g.expertsPerToken(10)).toBeCloseTo(1.6);
    const x = T.randn([10, 6], { device });
    const r = g.route(x);
    const perExpert = T.sum(r.mask, 0);
    expect(Array.from(await perExpert.data())).toEqual([4, 4, 4, 4]);
    T.dispose([x, r, perExpert]);
    g.dispose();
  });

  test('bad options and inputs give typed errors naming the gate', () => {
    expect(() => createGate('nope' as GateKind, 4, 2)).toThrow(/unknown gate 'nope' \(known: softmax, topk/);
    expect(() => new TopKGate(4, 2, { k: 0 })).toThrow(/TopKGate: k must be a positive integer, got 0/);
    expect(() => new SigmoidGate(4, 2, { k: 3 })).toThrow(/k = 3 is larger than numExperts = 2/);
    expect(() => new TemperatureGate(4, 2, { tau: 0 })).toThrow(/tau must be a finite number > 0, got 0/);
    expect(() => new TemperatureGate(4, 2, { threshold: 1 })).toThrow(/threshold must be in \[0, 1\), got 1/);
    expect(() => new ActivationGate(4, 2, { activation: 'identity' })).toThrow(/must be nonlinear/);
    expect(() => new ActivationGate(4, 2, { activation: 'nope' })).toThrow(/unknown activation 'nope'/);
    expect(() => new ActivationGate(4, 2, { biasPlacement: 'between' as never })).toThrow(/biasPlacement must be 'outside' or 'inside'/);
    expect(() => new ExpertChoiceGate(4, 2, { capacityFactor: -1 })).toThrow(T.ValueError);
    expect(() => new SoftmaxGate(0, 2)).toThrow(/inFeatures must be a positive integer/);
    const g = new SoftmaxGate(4, 2, { device });
    expect(() => g.route(T.zeros([3, 5], { device }))).toThrow(T.ShapeError);
    expect(() => g.route(T.zeros([3, 5], { device }))).toThrow(/SoftmaxGate\(4 -> 2\): expected input of shape \[N, 4\], got \[3, 5\]/);
    expect(() => g.route(T.zeros([3, 4], { device, dtype: 'float64' }))).toThrow(T.DTypeError);
    const gpu = backends.find((b) => b.name === 'webgpu');
    if (gpu) expect(() => g.route(T.zeros([3, 4], { device: gpu }))).toThrow(T.DeviceMismatchError);
    g.dispose();
    const p = T.zeros([3, 2], { device });
    expect(() => loadBalancingLoss(p, T.zeros([3, 3], { device }))).toThrow(/probs \[3, 2\] and mask \[3, 3\] differ/);
    expect(() => loadBalancingLoss(p, p, -1)).toThrow(/weight must be a finite number >= 0/);
    expect(() => routerZLoss(T.zeros([3], { device }))).toThrow(/logits must be \[N, E\], got \[3\]/);
    p.dispose();
  });
});
