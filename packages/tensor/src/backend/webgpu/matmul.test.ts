import { describe, expect, test } from 'vitest';
import * as T from '../../index.js';
import { testBackends } from '../../test-util/backends.js';
import { MATMUL_CANDIDATES, configKey } from './kernels/matmul.js';
import type { WebGPUBackend } from './webgpu-backend.js';

/** Every matmul configuration the autotuner may pick, checked against the cpu backend. */
const backends = await testBackends();
const gpu = backends.find((b) => b.name === 'webgpu') as WebGPUBackend | undefined;
const cpu = backends[0]!;

type Case = { name: string; a: number[]; b: number[]; transA?: boolean; transB?: boolean };
const CASES: Case[] = [
  { name: 'square 64', a: [64, 64], b: [64, 64] },
  { name: 'odd 37x29 @ 29x53', a: [37, 29], b: [29, 53] },
  { name: 'vec-aligned 48x128 @ 128x96', a: [48, 128], b: [128, 96] },
  { name: 'A transposed', a: [40, 33], b: [40, 24], transA: true },
  { name: 'B transposed', a: [17, 32], b: [20, 32], transB: true },
  { name: 'batched broadcast', a: [3, 1, 12, 16], b: [4, 16, 8] },
  { name: 'skinny 1x256 @ 256x64', a: [1, 256], b: [256, 64] },
  { name: 'K = 3', a: [9, 3], b: [3, 10] },
];

async function run(device: typeof cpu, c: Case): Promise<Float32Array> {
  T.manualSeed(11);
  const a = T.randn(c.a, { device });
  const b = T.randn(c.b, { device });
  const out = T.tidy(() => T.matmul(c.transA ? a.mT : a, c.transB ? b.mT : b));
  const data = (await out.data()) as Float32Array;
  T.dispose([a, b, out]);
  return data;
}

describe.skipIf(!gpu)('matmul configurations on webgpu', () => {
  for (const config of MATMUL_CANDIDATES) {
    test(configKey(config), async () => {
      const saved = gpu!.matmulConfig;
      gpu!.matmulConfig = config;
      try {
        for (const c of CASES) {
          const want = await run(cpu, c);
          const got = await run(gpu!, c);
          expect(got.length).toBe(want.length);
          // |diff| <= 1e-4 (1 + |want|): float32 sums of up to 256 products of unit normals.
          let worst = 0;
          for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
          expect(worst, c.name).toBeLessThan(1e-4);
        }
      } finally {
        gpu!.matmulConfig = saved;
      }
    }, 60_000);
  }
});

