import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, type Backend, type Tensor } from '@nonlinear/tensor';

/** Reading the PyTorch golden fixtures of this package (tools/fixtures/gen_moe_fixtures.py). */

export interface FixtureTensor {
  dtype: 'float32';
  shape: number[];
  data: number[];
}

/** One gate case of gates.json. */
export interface GateFixture {
  name: string;
  /** The gate kind (softmax, topk, temperature, activation, sigmoid, expert_choice). */
  kind: string;
  /** The gate's options in our names (k, renormalize, noisy, tau, threshold, gumbel, activation, biasPlacement, capacityFactor). */
  config: Record<string, number | string | boolean>;
  numExperts: number;
  /** Parameters under our names (weight, noiseWeight, bias). */
  state: Record<string, FixtureTensor>;
  x: FixtureTensor;
  /** The explicit noise, when the gate has some. */
  noise: FixtureTensor | null;
  weights: FixtureTensor;
  mask: FixtureTensor;
  probs: FixtureTensor;
  logits: FixtureTensor;
  cotangent: FixtureTensor;
  /** Gradients of <weights, cotangent> with respect to x and each parameter. */
  grads: { x: FixtureTensor; params: Record<string, FixtureTensor> };
}

/** One auxiliary-loss case of gates.json. */
export interface LossFixture {
  name: string;
  kind: 'loadBalancing' | 'zLoss';
  weight: number;
  logits: FixtureTensor;
  /** The routing mask (loadBalancing). */
  mask: FixtureTensor | null;
  /** probs = softmax(logits) (loadBalancing). */
  loss: number;
  /** d loss / d logits. */
  gradLogits: FixtureTensor;
}

/** The gate and loss cases of packages/moe/test/fixtures/gates.json. */
export function loadGateFixtures(): { gates: GateFixture[]; losses: LossFixture[] } {
  const path = fileURLToPath(new URL('../../test/fixtures/gates.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as { gates: GateFixture[]; losses: LossFixture[] };
}

/** A fixture tensor on a backend (float32). */
export function fixtureTensor(f: FixtureTensor, device: Backend, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(f.data), { shape: f.shape, device, requiresGrad });
}

export { compareFixture } from '../../../../tools/testing/fixtures.js';
