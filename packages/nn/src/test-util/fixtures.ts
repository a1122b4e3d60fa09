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

/**
 * Compares with a fixture: |got - want| <= rtol |want| + rtol max|want|. The second term is
 * the same relative bound taken on the tensor's largest element, for elements that come out
 * near zero by cancellation (sums, centred values), where an elementwise relative bound means
 * nothing. Returns the worst mismatch, or null.
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
