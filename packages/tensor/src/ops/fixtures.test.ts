import { describe, expect, test } from 'vitest';
import type { Backend } from '../backend/backend.js';
import * as T from '../index.js';
import type { Tensor } from '../tensor.js';
import { testBackends } from '../test-util/backends.js';
import { buildInput, compare, loadFixtures, num, type Tolerance } from '../test-util/fixtures.js';
import { OPS } from '../test-util/ops.js';

/**
 * Every op against PyTorch's answers (test/fixtures, made by tools/fixtures). Float32 fixtures
 * are PyTorch's float64 result rounded to float32, so the tolerances below are our error.
 */

/** Stated tolerances. cpu computes in float64 and rounds once, so it is held to about an ulp. */
const CPU: Tolerance = { rtol: 1e-6, atol: 1e-7 };
const GPU: Tolerance = { rtol: 1e-5, atol: 1e-6 };
/** GPU transcendental builtins are only specified to a few ulp (Vulkan allows 3 + 2|x| for exp). */
const GPU_TRANSCENDENTAL: Tolerance = { rtol: 1e-5, atol: 3e-6 };
const TRANSCENDENTAL = new Set(['exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tanh', 'sigmoid', 'silu', 'softplus', 'erf', 'gelu', 'pow', 'pow_scalar', 'rsqrt']);

function tolerance(c: { op: string; name: string; inputs: { shape: number[] }[] }, device: Backend): Tolerance {
  const base = device.name === 'cpu' ? CPU : TRANSCENDENTAL.has(c.op) ? GPU_TRANSCENDENTAL : GPU;
  // Sums of n terms: rounding grows with n, and cancellation makes results near zero relative to sum |x|.
  const n = Math.max(1, ...c.inputs.map((i) => i.shape.reduce((a, b) => a * b, 1)));
  if (['sum', 'mean', 'var', 'std', 'norm', 'cumsum', 'logsumexp', 'log_softmax', 'softmax', 'prod'].includes(c.op) && n > 100) {
    return { rtol: base.rtol * 10, atol: base.atol * Math.sqrt(n) * 10 };
  }
  if (c.op === 'matmul') return { rtol: base.rtol * 10, atol: base.atol * 100 };
  return base;
}

/**
 * Documented deviations: GPU sin and cos reduce |x| <= 8192 by pi/4 themselves; beyond, the
 * driver's (no Payne-Hanek range reduction) are only checked to be bounded (|sin x| <= 1).
 * Everything else is held to `tolerance`.
 */
function knownDeviation(c: { op: string; inputs: { data?: unknown[] }[] }, device: Backend): ((i: number) => Tolerance | null) | undefined {
  if (device.name !== 'webgpu' || (c.op !== 'sin' && c.op !== 'cos')) return undefined;
  const xs = (c.inputs[0]!.data ?? []).map(num);
  return (i) => (Math.abs(xs[i] ?? 0) > 8192 ? { rtol: 0, atol: 2 } : null);
}

const backends = await testBackends();

for (const file of ['elementwise', 'reduce', 'matmul', 'indexing', 'views', 'creation']) {
  const cases = loadFixtures(file);
  describe(file, () => {
    for (const device of backends) {
      describe(device.name, () => {
        for (const c of cases) {
          const skip = c.cpuOnly && !device.supportsDType('float64');
          test.skipIf(skip)(c.name, async () => {
            const fn = OPS[c.op];
            if (!fn) throw new Error(`no mapping for fixture op ${c.op}`);
            const ins = c.inputs.map((i) => buildInput(i, device));
            const out = fn(ins, c.args, device);
            const outs = Array.isArray(out) ? out : [out];
            expect(outs.length).toBe(c.outputs.length);
            const tol = tolerance(c, device);
            const elementTol = knownDeviation(c, device);
            for (let k = 0; k < outs.length; k++) {
              const problem = await compare(outs[k]!, c.outputs[k]!, tol, elementTol);
              expect(problem, `output ${k}`).toBeNull();
            }
            T.dispose([ins, outs]);
          });
        }
      });
    }
  });
}
