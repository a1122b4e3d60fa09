import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { Adam, AdamW, clipGradNorm, cosineLr, LRScheduler } from './index.js';
import { crossEntropy, DecoderLM, Linear, Module, sequenceCrossEntropy } from '../index.js';
import { testBackends } from '../test-util/backends.js';

/*
 * Proof that the pieces train: a small MLP learns 3-arm spirals, bit-reproducibly per backend,
 * with flat memory over 1,000 steps; a tiny decoder-only LM memorises a byte sequence.
 */

const backends = await testBackends();

/**
 * Ops only record work on webgpu; a long loop that never reads would queue work faster than the
 * device runs it (the backend raises BacklogError past a bound). Training loops here wait for
 * the device every few dozen steps, as a real loop reading its loss does.
 */
async function settle(device: Backend): Promise<void> {
  await T.sync(device);
}

/** mulberry32: a tiny seeded PRNG, so the data set is the same everywhere. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `perClass` points on each of `classes` interleaved spiral arms (radius 0 to 1 over 7/8 of a turn, angle noise +-0.15 rad). */
function spirals(perClass: number, classes: number, seed: number): { xs: Float32Array; ys: Int32Array } {
  const rnd = prng(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < classes; k++) {
    for (let i = 0; i < perClass; i++) {
      const r = i / perClass;
      const theta = (2 * Math.PI * k) / classes + 1.75 * Math.PI * r + (rnd() - 0.5) * 0.3;
      xs.push(r * Math.cos(theta), r * Math.sin(theta));
      ys.push(k);
    }
  }
  return { xs: Float32Array.from(xs), ys: Int32Array.from(ys) };
}

/** 2 -> 32 -> 32 -> classes with tanh, from nn's Linear. */
class SpiralNet extends Module {
  readonly l1: Linear;
  readonly l2: Linear;
  readonly l3: Linear;
  constructor(classes: number, device: Backend) {
    super();
    this.l1 = this.registerModule('l1', new Linear(2, 32, { device }));
    this.l2 = this.registerModule('l2', new Linear(32, 32, { device }));
    this.l3 = this.registerModule('l3', new Linear(32, classes, { device }));
  }
  forward(x: Tensor): Tensor {
    return T.tidy(() => this.l3.forward(this.l2.forward(this.l1.forward(x).tanh()).tanh()));
  }
}

const CLASSES = 3;
const data = spirals(100, CLASSES, 2024);

interface Run {
  losses: number[];
  accuracy: number;
}

/** Seeds, builds the model, trains `steps` full-batch Adam steps; the loss curve is read once at the end. */
async function trainSpirals(device: Backend, steps: number): Promise<Run> {
  const before = T.memory().liveTensors;
  T.manualSeed(1234);
  const x = T.tensor(data.xs, { shape: [data.ys.length, 2], device });
  const y = T.tensor(data.ys, { dtype: 'int32', device });
  const net = new SpiralNet(CLASSES, device);
  const opt = new Adam(net.parameters(), { lr: 0.02 });
  const losses: Tensor[] = [];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = T.tidy(() => crossEntropy(net.forward(x), y));
    loss.backward();
    opt.step();
    losses.push(loss);
    if (i % 50 === 49) await settle(device);
  }
  const curve = T.noGrad(() => T.stack(losses));
  const values = Array.from(await curve.data());
  const acc = T.noGrad(() => T.tidy(() => net.forward(x).argmax(-1).eq(y).float().mean()));
  const accuracy = await acc.item();
  T.dispose([curve, acc, losses, x, y]);
  opt.zeroGrad();
  opt.dispose();
  net.dispose();
  expect(T.memory().liveTensors).toBe(before);
  return { losses: values, accuracy };
}

describe.each(backends.map((b) => [b.name, b] as const))('training on %s', (_n, device) => {
  test('an MLP reaches >= 95% accuracy on 3-arm spirals in 150 Adam steps, with a bit-identical loss curve on a second run', async () => {
    const a = await trainSpirals(device, 150);
    const b = await trainSpirals(device, 150);
    console.log(`[train] ${device.name} spirals: accuracy ${(a.accuracy * 100).toFixed(1)}%, loss ${a.losses[0]!.toFixed(4)} -> ${a.losses.at(-1)!.toFixed(4)}`);
    expect(a.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(a.losses.at(-1)!).toBeLessThan(0.2);
    // float32 values compared exactly: same seed, same backend, same bits
    expect(b.losses).toEqual(a.losses);
    expect(b.accuracy).toBe(a.accuracy);
  }, 60_000);

  test('1,000 training steps (AdamW with parameter groups, a cosine schedule) leave live tensors and bytes in use flat', async () => {
    T.manualSeed(5);
    const x = T.tensor(data.xs.subarray(0, 128), { shape: [64, 2], device });
    const y = T.tensor(data.ys.subarray(0, 64), { dtype: 'int32', device });
    const net = new SpiralNet(CLASSES, device);
    const opt = new AdamW([{ params: net.decayGroups().decay }, { params: net.decayGroups().noDecay, weightDecay: 0 }], { lr: 0.01 });
    const sched = new LRScheduler(opt, cosineLr(0.01, { totalSteps: 1000, warmupSteps: 50 }));
    const step = (): void => {
      opt.zeroGrad();
      const loss = T.tidy(() => crossEntropy(net.forward(x), y));
      loss.backward();
      loss.dispose();
      opt.step();
      sched.step();
    };
    let warm = { liveTensors: 0, bytesInUse: 0 };
    for (let i = 0; i < 1000; i++) {
      step();
      if (i === 49) {
        await net.l1.weight.data(); // flush the webgpu queue so freed buffers settle
        warm = T.memory();
      }
      if (i % 50 === 49) await settle(device);
    }
    const probe = T.tidy(() => crossEntropy(net.forward(x), y));
    const finalLoss = await probe.item();
    probe.dispose();
    const end = T.memory();
    console.log(`[train] ${device.name} 1000 steps: live tensors ${warm.liveTensors} -> ${end.liveTensors}, bytes in use ${warm.bytesInUse} -> ${end.bytesInUse}, final loss ${finalLoss.toFixed(4)}`);
    expect(end.liveTensors).toBe(warm.liveTensors);
    expect(end.bytesInUse).toBe(warm.bytesInUse);
    expect(finalLoss).toBeLessThan(0.5);
    opt.zeroGrad();
    opt.dispose();
    net.dispose();
    T.dispose([x, y]);
  }, 90_000);

  test('a tiny decoder-only LM drives its loss down on a repeated sentence', async () => {
    const before = T.memory().liveTensors;
    T.manualSeed(42);
    const bytes = Array.from(new TextEncoder().encode('the quick brown fox jumps over the lazy dog. '.repeat(3)));
    const len = 16;
    const batch = 4;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let b = 0; b < batch; b++) {
      xs.push(...bytes.slice(b * 9, b * 9 + len));
      ys.push(...bytes.slice(b * 9 + 1, b * 9 + len + 1));
    }
    const x = T.tensor(Int32Array.from(xs), { shape: [batch, len], dtype: 'int32', device });
    const y = T.tensor(Int32Array.from(ys), { shape: [batch, len], dtype: 'int32', device });
    const lm = new DecoderLM({ vocabSize: 256, dim: 32, numLayers: 1, numHeads: 2, maxSeqLen: len, device });
    const { decay, noDecay } = lm.decayGroups();
    const opt = new AdamW([{ params: decay }, { params: noDecay, weightDecay: 0 }], { lr: 0.02 });
    const losses: Tensor[] = [];
    for (let i = 0; i < 30; i++) {
      opt.zeroGrad();
      const loss = T.tidy(() => sequenceCrossEntropy(lm.forward(x), y));
      loss.backward();
      clipGradNorm(lm.parameters(), 1).dispose();
      opt.step();
      losses.push(loss);
      if (i % 10 === 9) await settle(device);
    }
    const stacked = T.noGrad(() => T.stack(losses));
    const curve = Array.from(await stacked.data());
    stacked.dispose();
    console.log(`[train] ${device.name} DecoderLM bytes: loss ${curve[0]!.toFixed(3)} -> ${curve.at(-1)!.toFixed(3)} in 30 steps (ln 256 = ${Math.log(256).toFixed(3)})`);
    expect(curve[0]!).toBeGreaterThan(5);
    expect(curve.at(-1)!).toBeLessThan(1);
    T.dispose([losses, x, y]);
    opt.zeroGrad();
    opt.dispose();
    lm.dispose();
    expect(T.memory().liveTensors).toBe(before);
  }, 60_000);
});
