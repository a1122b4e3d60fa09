import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, type Backend, type Tensor } from '@nonlinear/tensor';

/** Reading the PyTorch golden fixtures made by tools/fixtures/gen_activations_fixtures.py. */

export interface FixtureTensor {
  dtype: 'float32';
  shape: number[];
  data: number[];
}

export interface ActivationFixture {
  name: string;
  /** polyrelu, polynorm, relu2, gelu, gelu_tanh, silu, swiglu, feedforward_polynorm. */
  kind: string;
  config: { order?: number; eps?: number; dim?: number; hidden?: number };
  /** Coefficients / weights under our parameter names. */
  state: Record<string, FixtureTensor>;
  inputs: FixtureTensor[];
  output: FixtureTensor;
  cotangent: FixtureTensor;
  /** Gradients of <output, cotangent>. */
  grads: { inputs: FixtureTensor[]; params: Record<string, FixtureTensor> };
}

export function loadFixtures(): ActivationFixture[] {
  const path = fileURLToPath(new URL('../../test/fixtures/activations.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: ActivationFixture[] }).cases;
}

export function fixtureTensor(f: FixtureTensor, device: Backend, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(f.data), { shape: f.shape, device, requiresGrad });
}

export { compareFixture } from '../../../../tools/testing/fixtures.js';
