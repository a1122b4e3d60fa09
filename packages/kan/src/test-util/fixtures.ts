import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, type Backend, type Tensor } from '@nonlinear/tensor';
import { compareFixture } from '../../../../tools/testing/fixtures.js';

/** Reading the PyTorch golden fixtures made by tools/fixtures/gen_kan_fixtures.py. */

export interface FixtureTensor {
  dtype: 'float32';
  shape: number[];
  data: number[];
}

export interface KANFixture {
  name: string;
  /** afkan_layer, afkan_model, relukan_layer, mlp_model. */
  kind: string;
  /** The layer's options plus inFeatures/outFeatures, or the model's options plus widths. */
  config: Record<string, unknown> & { inFeatures?: number; outFeatures?: number; widths?: number[] };
  /** Parameters under our names. */
  state: Record<string, FixtureTensor>;
  inputs: FixtureTensor[];
  output: FixtureTensor;
  cotangent: FixtureTensor;
  /** Gradients of <output, cotangent>. */
  grads: { inputs: FixtureTensor[]; params: Record<string, FixtureTensor> };
}

export function loadFixtures(): KANFixture[] {
  const path = fileURLToPath(new URL('../../test/fixtures/kan.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: KANFixture[] }).cases;
}

export function fixtureTensor(f: FixtureTensor, device: Backend, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(f.data), { shape: f.shape, device, requiresGrad });
}

/**
 * compareFixture, with a floor for gradients that are zero by symmetry (a bias before a softmax
 * or a norm): the bound is taken at `floor` (the case's largest gradient) as well.
 */
export async function compareGrad(got: Tensor | null, want: FixtureTensor, rtol: number, floor: number): Promise<string | null> {
  const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (scale >= rtol * floor || !got) return compareFixture(got, want, rtol);
  const data = await got.data();
  const worst = Array.from(data).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return worst <= rtol * floor ? null : `a gradient zero by symmetry came out as large as ${worst.toExponential(2)} (bound ${(rtol * floor).toExponential(2)})`;
}

export { compareFixture };
