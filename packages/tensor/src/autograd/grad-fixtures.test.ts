import { describe, expect, test } from 'vitest';
import type { Backend } from '../backend/backend.js';
import * as T from '../index.js';
import type { Tensor } from '../tensor.js';
import { testBackends } from '../test-util/backends.js';
import { buildInput, compare, loadFixtures, type FixtureOutput, type Tolerance } from '../test-util/fixtures.js';
import { OPS } from '../test-util/ops.js';

/**
 * Gradients against PyTorch's autograd (test/fixtures/grad.json): first derivatives of every
 * differentiable op for a random cotangent, and Hessian-vector products of the ops whose second
 * derivatives matter most. Float32 fixtures are PyTorch's float64 answer rounded to float32.
 */

const CPU: Tolerance = { rtol: 1e-5, atol: 1e-6 };
const GPU: Tolerance = { rtol: 1e-4, atol: 2e-5 };

const cases = loadFixtures('grad') as unknown as {
  name: string;
  op: string;
  args: Record<string, any>;
  inputs: Parameters<typeof buildInput>[0][];
  grad_output: (FixtureOutput | null)[];
  v?: (FixtureOutput | null)[];
  input_grads: (FixtureOutput | null)[];
  cpuOnly?: boolean;
}[];

function fromFixture(o: FixtureOutput, device: Backend): Tensor {
  return buildInput({ dtype: o.dtype, shape: o.shape, data: o.data }, device);
}

const isFloat = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64';

const backends = await testBackends();

describe.each(backends.map((b) => [b.name, b] as const))('gradients vs PyTorch on %s', (_name, device) => {
  for (const c of cases) {
    test.skipIf(Boolean(c.cpuOnly) && !device.supportsDType('float64'))(c.name, async () => {
      const made: Tensor[] = [];
      const leaves = c.inputs.map((i) => {
        const t = buildInput(i, device);
        made.push(t);
        if (!isFloat(t)) return t;
        const leaf = t.detach();
        leaf.requiresGrad = true;
        made.push(leaf);
        return leaf;
      });
      const floatLeaves = leaves.filter(isFloat);
      const inner = c.op === 'double' ? c.args.inner : c.op;
      const fn =
        inner === 'sum_of_squares' ? ([x]: Tensor[]) => x!.mul(x!).sum() : OPS[inner];
      if (!fn) throw new Error(`no mapping for ${inner}`);
      const outs = [fn(leaves, c.args, device)].flat();
      const pairs = outs.map((o, k) => [o, c.grad_output[k]] as const).filter(([, g]) => g);
      const gos = pairs.map(([, g]) => fromFixture(g!, device));
      let grads: (Tensor | null)[];
      if (c.op !== 'double') {
        grads = T.gradients(pairs.map(([o]) => o), floatLeaves, gos, { allowUnused: true });
      } else {
        const g1 = T.gradients(pairs.map(([o]) => o), floatLeaves, gos, { createGraph: true, allowUnused: true });
        const vs = c.v!.filter((v) => v).map((v) => fromFixture(v!, device));
        const s = T.concat(g1.map((g, i) => (g ? g.mul(vs[i]!).sum().reshape(1) : floatLeaves[i]!.sum().mul(0).reshape(1)))).sum();
        grads = T.gradients([s], floatLeaves, [], { allowUnused: true });
      }
      const tol = device.name === 'cpu' ? CPU : GPU;
      let k = 0;
      for (let i = 0; i < c.inputs.length; i++) {
        const want = c.input_grads[i];
        if (!want) continue;
        const got = grads[k++] ?? T.zerosLike(floatLeaves[k - 1]!);
        const n = want.data.length;
        const t = n > 100 ? { rtol: tol.rtol * 10, atol: tol.atol * Math.sqrt(n) } : tol;
        expect(await compare(got, want, t), `gradient of input ${i}`).toBeNull();
      }
      T.dispose([made, outs, gos, grads]);
    });
  }
});
