import { describe, expect, test } from 'vitest';
import * as T from '../../index.js';
import { testBackends } from '../../test-util/backends.js';
import { SHORT_ROW } from './kernels/reduce.js';

/**
 * Both layouts of the reduce kernel (an invocation per short row, a workgroup per longer row)
 * against the cpu backend, at row lengths on both sides of SHORT_ROW, reducing the last dim, a
 * leading dim (strided rows) and several dims; int32 and ties for the arg-reductions.
 */
const backends = await testBackends();
const gpu = backends.find((b) => b.name === 'webgpu');
const cpu = backends[0]!;

type Case = { shape: number[]; dim: number | number[] };
const cases: Case[] = [];
for (const n of [1, 7, SHORT_ROW, SHORT_ROW + 1, 300]) {
  cases.push({ shape: [33, n], dim: -1 }, { shape: [n, 21], dim: 0 }, { shape: [5, n, 3], dim: [0, 2] });
}

async function reduceAll(device: typeof cpu, { shape, dim }: Case, integer: boolean): Promise<number[][]> {
  T.manualSeed(11);
  // Integers in a small range make ties, which the arg-reductions must break by the lower index.
  const x = integer ? T.randint(-4, 5, shape, { device, dtype: 'int32' }) : T.randn(shape, { device });
  const dims = Array.isArray(dim) ? dim : [dim];
  const outs = [T.sum(x, dim), T.max(x, dim), T.min(x, dim)];
  if (!integer) outs.push(T.prod(T.add(T.mul(x, 0.1), 1), dim));
  if (dims.length === 1) outs.push(T.argmax(x, dims[0]), T.argmin(x, dims[0]));
  const data = await Promise.all(outs.map(async (o) => Array.from(await o.data(), Number)));
  T.dispose([x, outs]);
  return data;
}

// webgpu kernels against cpu need an adapter: testBackends fails the run under CI without one, and announces the skip elsewhere.
describe.skipIf(!gpu)('reductions on webgpu, short and long rows', () => {
  for (const integer of [false, true]) {
    test(integer ? 'int32' : 'float32', async () => {
      for (const c of cases) {
        const want = await reduceAll(cpu, c, integer);
        const got = await reduceAll(gpu!, c, integer);
        want.forEach((w, k) => {
          expect(got[k]!.length, `${JSON.stringify(c)} output ${k}`).toBe(w.length);
          for (let i = 0; i < w.length; i++) {
            expect(Math.abs(got[k]![i]! - w[i]!), `${JSON.stringify(c)} output ${k} at ${i}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w[i]!)));
          }
        });
      }
    }, 60_000);
  }
});
