import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { Adam, AdamW, LBFGS, SGD, type Optimizer } from './index.js';
import { testBackends } from '../test-util/backends.js';

const backends = await testBackends();

/** A small regression problem whose gradients depend on the parameters. */
function problem(device: Backend) {
  T.manualSeed(7);
  const x = T.randn([16, 3], { device });
  const y = T.randn([16, 2], { device });
  const init = [T.randn([3, 2], { device }), T.randn([2], { device })];
  const lossOf = (w: Tensor, b: Tensor): Tensor => T.tidy(() => x.matmul(w).add(b).tanh().sub(y).square().mean());
  return { x, y, init, lossOf };
}

const fresh = (init: Tensor[]): Tensor[] => T.noGrad(() => init.map((t) => t.clone().requiresGrad_()));

async function trainSteps(opt: Optimizer<never>, params: Tensor[], lossOf: (w: Tensor, b: Tensor) => Tensor, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    opt.zeroGrad();
    const loss = lossOf(params[0]!, params[1]!);
    loss.backward();
    loss.dispose();
    opt.step();
  }
}

const makers: [string, (p: Tensor[]) => Optimizer<never>][] = [
  ['SGD nesterov', (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }) as unknown as Optimizer<never>],
  ['Adam amsgrad', (p) => new Adam(p, { lr: 0.05, amsgrad: true, weightDecay: 0.01 }) as unknown as Optimizer<never>],
  ['AdamW groups', (p) => new AdamW([{ params: [p[0]!] }, { params: [p[1]!], weightDecay: 0, lr: 0.02 }], { lr: 0.05 }) as unknown as Optimizer<never>],
];

describe.each(backends.map((b) => [b.name, b] as const))('state dicts on %s', (_n, device) => {
  test.each(makers)('%s: save after N steps, restore into a fresh optimizer and model, continue: bit-identical', async (_name, makeOpt) => {
    const { x, y, init, lossOf } = problem(device);
    const before = T.memory().liveTensors;
    const params = fresh(init);
    const opt = makeOpt(params);
    await trainSteps(opt, params, lossOf, 5);
    const saved = opt.stateDict();
    const savedParams = T.noGrad(() => params.map((p) => p.clone()));
    // lr changes after saving must not leak into the snapshot
    (opt.paramGroups[0] as unknown as { lr: number }).lr *= 1;
    await trainSteps(opt, params, lossOf, 4);
    const straight = await Promise.all(params.map((p) => p.data()));

    const params2 = fresh(savedParams);
    const opt2 = makeOpt(params2);
    (opt2.paramGroups[0] as unknown as { lr: number }).lr = 123; // overwritten by the snapshot
    opt2.loadStateDict(saved);
    const lrs = (o: Optimizer<never>): number[] => o.paramGroups.map((g) => (g as unknown as { lr: number }).lr);
    expect(lrs(opt2)).toEqual(lrs(opt));
    await trainSteps(opt2, params2, lossOf, 4);
    const resumed = await Promise.all(params2.map((p) => p.data()));
    resumed.forEach((r, i) => expect(Array.from(r)).toEqual(Array.from(straight[i]!)));

    // The snapshot holds copies: still loadable after both optimizers moved on.
    const s0 = saved.state[0]!;
    expect(typeof s0.step).toBe('number');
    for (const v of Object.values(s0)) if (v instanceof T.Tensor) expect(v.isDisposed).toBe(false);

    for (const o of [opt, opt2]) {
      o.zeroGrad();
      o.dispose();
    }
    T.dispose(saved);
    T.dispose([savedParams, params, params2]);
    expect(T.memory().liveTensors).toBe(before);
    T.dispose([x, y, init]);
  }, 30_000);

  test('LBFGS: save after one step(), restore, continue: bit-identical', async () => {
    const { x, y, init, lossOf } = problem(device);
    const before = T.memory().liveTensors;
    const run = (params: Tensor[], opt: LBFGS) => opt.step(() => {
      opt.zeroGrad();
      const loss = lossOf(params[0]!, params[1]!);
      loss.backward();
      return loss;
    });
    const params = fresh(init);
    const opt = new LBFGS(params, { maxIter: 4, historySize: 3, lineSearch: 'strongWolfe' });
    await run(params, opt);
    const saved = opt.stateDict();
    expect((saved.state[0]!.oldDirs as Tensor[]).length).toBeGreaterThan(0);
    const savedParams = T.noGrad(() => params.map((p) => p.clone()));
    await run(params, opt);
    await run(params, opt);
    const straight = await Promise.all(params.map((p) => p.data()));

    const params2 = fresh(savedParams);
    const opt2 = new LBFGS(params2, { maxIter: 4, historySize: 3, lineSearch: 'strongWolfe' });
    opt2.loadStateDict(saved);
    await run(params2, opt2);
    await run(params2, opt2);
    const resumed = await Promise.all(params2.map((p) => p.data()));
    resumed.forEach((r, i) => expect(Array.from(r)).toEqual(Array.from(straight[i]!)));
    for (const o of [opt, opt2]) {
      o.zeroGrad();
      o.dispose();
    }
    T.dispose(saved);
    T.dispose([savedParams, params, params2]);
    expect(T.memory().liveTensors).toBe(before);
    T.dispose([x, y, init]);
  }, 30_000);

  test('loadStateDict refuses mismatched groups and shapes', () => {
    const a = T.zeros([2, 2], { device, requiresGrad: true });
    const b = T.zeros([3], { device, requiresGrad: true });
    const opt = new Adam([a]);
    a.grad = T.onesLike(a);
    opt.step();
    const sd = opt.stateDict();
    expect(() => new Adam([a, b]).loadStateDict(sd)).toThrow(/parameters in the snapshot/);
    expect(() => new Adam([{ params: [a] }, { params: [b] }]).loadStateDict(sd)).toThrow(/groups/);
    expect(() => new Adam([b]).loadStateDict(sd)).toThrow(/expAvg/);
    T.dispose([sd, a.grad, a, b]);
    opt.dispose();
  });
});
