import { describe, expect, test } from 'vitest';
import * as T from '../../index.js';
import { testBackends } from '../../test-util/backends.js';
import type { WebGPUBackend } from './webgpu-backend.js';

/** Both layouts of row programs (a thread per row, a workgroup per row) against the cpu backend. */
const backends = await testBackends();
const gpu = backends.find((b) => b.name === 'webgpu') as WebGPUBackend | undefined;
const cpu = backends[0]!;

async function run(device: typeof cpu, shape: number[], dim: number): Promise<Float32Array[]> {
  T.manualSeed(5);
  const x = T.randn(shape, { device, std: 3 });
  const outs = [T.softmax(x, dim), T.logSoftmax(x, dim)];
  const data = await Promise.all(outs.map(async (o) => (await o.data()) as Float32Array));
  T.dispose([x, outs]);
  return data;
}

describe.skipIf(!gpu)('row programs on webgpu', () => {
  for (const perThread of [true, false]) {
    test(perThread ? 'a thread per row' : 'a workgroup per row', async () => {
      const saved = gpu!.rowsPerThread;
      gpu!.rowsPerThread = perThread;
      try {
        for (const [shape, dim] of [[[7, 300], -1], [[3, 5, 130], 1], [[1000], 0], [[65, 3], 0]] as [number[], number][]) {
          const want = await run(cpu, shape, dim);
          const got = await run(gpu!, shape, dim);
          want.forEach((w, k) => {
            for (let i = 0; i < w.length; i++) expect(Math.abs(got[k]![i]! - w[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(w[i]!)));
          });
        }
      } finally {
        gpu!.rowsPerThread = saved;
      }
    }, 60_000);
  }
});
