import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import {
  Adam, constantLr, cosineLr, exponentialLr, LRScheduler, oneCycleLr, oneCycleMomentum, SGD, stepLr, type OneCycleOptions, type Schedule,
} from './index.js';
import { mismatch, optimFixtures, type ScheduleCase } from '../test-util/optim-fixtures.js';

const fx = optimFixtures();

function scheduleOf(c: ScheduleCase): Schedule {
  const o = c.options as Record<string, number> & OneCycleOptions;
  switch (c.kind) {
    case 'step':
      return stepLr(o.lr, { stepSize: o.stepSize, gamma: o.gamma });
    case 'exponential':
      return exponentialLr(o.lr, { gamma: o.gamma });
    case 'cosine':
      return cosineLr(o.lr, { totalSteps: o.totalSteps, warmupSteps: o.warmupSteps, minLr: o.minLr });
    case 'oneCycle':
      return oneCycleLr(o);
  }
}

describe('schedules against PyTorch', () => {
  test.each(fx.schedules.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const f = scheduleOf(c);
    const got = c.lrs.map((_, k) => f(k));
    // PyTorch's chainable forms multiply step by step: agreement to float64 rounding.
    expect(mismatch(got, c.lrs, 1e-12, 1e-15)).toBeNull();
    if (c.momentum) {
      const m = oneCycleMomentum(c.options as unknown as OneCycleOptions);
      expect(mismatch(c.momentum.map((_, k) => m(k)), c.momentum, 1e-12, 1e-15)).toBeNull();
    }
  });

  test.each(fx.schedules.map((c) => [c.name, c] as const))('%s through LRScheduler on an optimizer', (_n, c) => {
    const p = T.zeros([1], { device: 'cpu', requiresGrad: true });
    const opt = c.options.threePhase ? new Adam([p], { lr: 123 }) : new SGD([p], { lr: 123, momentum: 0.9 });
    const sched = new LRScheduler(opt, scheduleOf(c), c.momentum ? { momentum: oneCycleMomentum(c.options as unknown as OneCycleOptions) } : {});
    const lrs: number[] = [];
    const moms: number[] = [];
    for (let k = 0; k < c.lrs.length; k++) {
      if (k > 0) {
        opt.step();
        sched.step();
      }
      lrs.push(opt.paramGroups[0]!.lr);
      const g = opt.paramGroups[0] as unknown as { momentum?: number; betas?: number[] };
      moms.push(g.betas ? g.betas[0]! : g.momentum!);
    }
    expect(mismatch(lrs, c.lrs, 1e-12, 1e-15)).toBeNull();
    if (c.momentum) expect(mismatch(moms, c.momentum, 1e-12, 1e-15)).toBeNull();
    expect(sched.lastStep).toBe(c.lrs.length - 1);
    p.dispose();
  });
});

describe('closed forms', () => {
  test('constant, step, exponential', () => {
    expect([0, 5, 1000].map(constantLr(0.3))).toEqual([0.3, 0.3, 0.3]);
    const s = stepLr(0.1, { stepSize: 3, gamma: 0.5 });
    expect([0, 2, 3, 5, 6, 9].map(s)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    expect(stepLr(1, { stepSize: 2 })(4)).toBeCloseTo(0.01, 15);
    const e = exponentialLr(2, { gamma: 0.5 });
    expect([0, 1, 2, 10].map(e)).toEqual([2, 1, 0.5, 2 / 1024]);
  });

  test('cosine with linear warm-up', () => {
    const f = cosineLr(1, { totalSteps: 110, warmupSteps: 10, minLr: 0.1, warmupStartLr: 0.5 });
    expect(f(0)).toBe(0.5);
    expect(f(5)).toBeCloseTo(0.75, 15);
    expect(f(10)).toBe(1);
    // halfway through the decay: the mean of peak and floor
    expect(f(60)).toBeCloseTo(0.55, 15);
    expect(f(35)).toBeCloseTo(0.1 + 0.9 * (1 + Math.cos(Math.PI / 4)) / 2, 15);
    expect(f(110)).toBeCloseTo(0.1, 15);
    expect(f(500)).toBeCloseTo(0.1, 15);
    const g = cosineLr(3, { totalSteps: 4 });
    expect(g(0)).toBe(3);
    expect(g(2)).toBeCloseTo(1.5, 15);
    expect(g(4)).toBe(0);
  });

  test("one-cycle with PyTorch's defaults (cos, pctStart 0.3, divFactor 25, finalDivFactor 1e4)", () => {
    const f = oneCycleLr({ maxLr: 1, totalSteps: 101 });
    const peak = 0.3 * 101 - 1;
    expect(f(0)).toBeCloseTo(1 / 25, 15);
    expect(f(100)).toBeCloseTo(1 / 25 / 1e4, 15);
    // at the fractional peak step the cosine is at its top; integer steps around it are just below
    expect(f(Math.floor(peak))).toBeLessThan(1);
    expect(f(Math.floor(peak))).toBeGreaterThan(0.99);
    expect(f(15)).toBeCloseTo(1 + ((1 / 25 - 1) / 2) * (Math.cos((Math.PI * 15) / peak) + 1), 14);
    const m = oneCycleMomentum({ totalSteps: 101 });
    expect(m(0)).toBeCloseTo(0.95, 15);
    expect(m(100)).toBeCloseTo(0.95, 15);
    expect(m(29)).toBeLessThan(0.851);
    expect(() => f(102)).toThrow(T.ValueError);
    expect(() => f(-1)).toThrow(T.ValueError);
    expect(() => oneCycleLr({ maxLr: 1, totalSteps: 10, pctStart: 1.5 })).toThrow(T.ValueError);
    expect(() => cosineLr(1, { totalSteps: 10, warmupSteps: 10 })).toThrow(T.ValueError);
  });
});

describe('LRScheduler', () => {
  test('sets the lr at construction and after each step, per group; state dict round-trips', () => {
    const a = T.zeros([1], { device: 'cpu', requiresGrad: true });
    const b = T.zeros([1], { device: 'cpu', requiresGrad: true });
    const opt = new SGD([{ params: [a] }, { params: [b] }], { lr: 1 });
    const sched = new LRScheduler(opt, [stepLr(0.1, { stepSize: 1, gamma: 0.5 }), constantLr(0.01)]);
    expect(sched.lastLr).toEqual([0.1, 0.01]);
    sched.step();
    sched.step();
    expect(sched.lastLr).toEqual([0.025, 0.01]);
    const sd = sched.stateDict();
    const opt2 = new SGD([{ params: [a] }, { params: [b] }], { lr: 1 });
    const sched2 = new LRScheduler(opt2, [stepLr(0.1, { stepSize: 1, gamma: 0.5 }), constantLr(0.01)]);
    sched2.loadStateDict(sd);
    expect(opt2.paramGroups.map((g) => g.lr)).toEqual([0.025, 0.01]);
    expect(() => new LRScheduler(opt, [constantLr(1)])).toThrow(/one per parameter group/);
    T.dispose([a, b]);
  });

  test('a momentum schedule drives beta1 of Adam and momentum of SGD', () => {
    const a = T.zeros([1], { device: 'cpu', requiresGrad: true });
    const adam = new Adam([a], { betas: [0.9, 0.99] });
    const mom = oneCycleMomentum({ totalSteps: 10 });
    const s = new LRScheduler(adam, oneCycleLr({ maxLr: 0.1, totalSteps: 10 }), { momentum: mom });
    expect(adam.paramGroups[0]!.betas).toEqual([0.95, 0.99]);
    s.step();
    expect(adam.paramGroups[0]!.betas[0]).toBeCloseTo(mom(1), 15);
    const sgd = new SGD([a], { lr: 0.1, momentum: 0.5 });
    new LRScheduler(sgd, constantLr(0.1), { momentum: mom });
    expect(sgd.paramGroups[0]!.momentum).toBe(0.95);
    const plain = new SGD([a], { lr: 0.1 });
    new LRScheduler(plain, constantLr(0.1), { momentum: mom });
    expect(plain.paramGroups[0]!.momentum).toBe(0.95);
    a.dispose();
  });
});
