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

/**
 * Compares with a fixture: |got - want| <= rtol (|want| + max|want|) (the second term covers
 * elements near zero by cancellation). Returns the worst mismatch, or null.
 */
export async function compareFixture(got: Tensor | null, want: FixtureTensor, rtol: number): Promise<string | null> {
  if (!got) return 'no tensor (gradient missing)';
  if (got.shape.join(',') !== want.shape.join(',')) return `shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
  const data = await got.data();
  const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst: string | null = null;
  let worstRatio = 1;
  for (let i = 0; i < want.data.length; i++) {
    const g = data[i]!;
    const e = want.data[i]!;
    const allowed = rtol * (Math.abs(e) + scale);
    const err = Math.abs(g - e);
    if (!(err <= allowed) && (Number.isNaN(err) || err / allowed > worstRatio)) {
      worstRatio = Number.isNaN(err) ? Infinity : err / allowed;
      worst = `element ${i}: got ${g}, expected ${e} (|diff| ${err.toExponential(2)} > ${allowed.toExponential(2)})`;
    }
  }
  return worst;
}
