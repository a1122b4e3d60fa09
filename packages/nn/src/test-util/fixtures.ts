import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, type Backend, type Tensor } from '@nonlinear/tensor';

/** Reading the PyTorch golden fixtures made by tools/fixtures/gen_nn_fixtures.py (test/fixtures/nn.json). */

export interface FixtureTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: number[];
}

export interface NNFixture {
  name: string;
  /** The layer class or loss function the case exercises. */
  kind: string;
  /** Constructor arguments (layers) or options (losses), in our camelCase names. */
  config: Record<string, unknown>;
  /** Weights under our parameter names. */
  state: Record<string, FixtureTensor>;
  inputs: FixtureTensor[];
  output: FixtureTensor;
  cotangent: FixtureTensor;
  /** Gradients of <output, cotangent>: per input (null for int32 inputs) and per parameter. */
  grads: { inputs: (FixtureTensor | null)[]; params: Record<string, FixtureTensor> };
}

export function loadNNFixtures(): NNFixture[] {
  const path = fileURLToPath(new URL('../../test/fixtures/nn.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: NNFixture[] }).cases;
}

export function fixtureTensor(f: FixtureTensor, device: Backend, requiresGrad = false): Tensor {
  const data = f.dtype === 'int32' ? Int32Array.from(f.data) : Float32Array.from(f.data);
  return tensor(data, { shape: f.shape, dtype: f.dtype, device, requiresGrad });
}

export { compareFixture } from '../../../../tools/testing/fixtures.js';
