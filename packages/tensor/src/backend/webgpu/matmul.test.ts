import { describe, expect, test } from 'vitest';
import * as T from '../../index.js';
import { testBackends } from '../../test-util/backends.js';
import { chooseMatmulConfig, configFromKey, shapeClass } from './autotune.js';
import { MATMUL_CANDIDATES, configKey, splitCount, type MatmulConfig } from './kernels/matmul.js';
import type { WebGPUBackend } from './webgpu-backend.js';

/** Every matmul configuration the autotuner may pick, unsplit and split along K, checked against the cpu backend. */
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
  // Small M and small N: vectors (1-D operands), batched, transposed, K not a multiple of 4.
  { name: 'vector @ matrix', a: [96], b: [96, 40] },
  { name: 'matrix @ vector', a: [33, 96], b: [96] },
  { name: 'matrix @ column, K = 37', a: [21, 37], b: [37, 1] },
  { name: 'batched matrix @ vector', a: [3, 10, 64], b: [3, 64, 2] },
  { name: 'batched vector @ matrix', a: [2, 3, 1, 40], b: [3, 40, 12] },
  { name: 'matrix @ transposed row', a: [13, 64], b: [1, 64], transB: true },
  { name: 'transposed A @ vector', a: [64, 19], b: [64, 1], transA: true },
  // Long K with few outputs: 4 slices of 257 plus a remainder of 2; 8 aligned slices of 256.
  { name: 'long K 1030, 3x5', a: [3, 1030], b: [1030, 5] },
  { name: 'long K 2048, 4x1, B transposed', a: [4, 2048], b: [1, 2048], transB: true },
  { name: 'long K 2048 batched, A transposed', a: [2, 2048, 6], b: [2, 2048, 4], transA: true },
];

async function run(device: typeof cpu, c: Case): Promise<{ data: Float32Array; K: number }> {
  T.manualSeed(11);
  const a = T.randn(c.a, { device });
  const b = T.randn(c.b, { device });
  const A = c.transA ? a.mT : a;
  const out = T.tidy(() => T.matmul(A, c.transB ? b.mT : b));
  const data = (await out.data()) as Float32Array;
  const K = A.shape[A.ndim - 1]!;
  T.dispose([a, b, out]);
  return { data, K };
}

/** Worst |got - want| / (1 + |want|) against the cpu backend, and the tolerance for that K. */
async function compare(c: Case): Promise<{ worst: number; tol: number }> {
  const { data: want, K } = await run(cpu, c);
  const { data: got } = await run(gpu!, c);
  expect(got.length, c.name).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  // float32 sums of K products of unit normals, summed in a different order: error grows with K.
  return { worst, tol: 4e-7 * Math.max(K, 256) };
}

async function withConfig<R>(config: MatmulConfig | null, fn: () => Promise<R>): Promise<R> {
  const saved = { config: gpu!.matmulConfig, tuned: gpu!.tuned };
  gpu!.matmulConfig = config;
  gpu!.tuned = {};
  try {
    return await fn();
  } finally {
    gpu!.matmulConfig = saved.config;
    gpu!.tuned = saved.tuned;
  }
}

describe.skipIf(!gpu)('matmul configurations on webgpu', () => {
  for (const base of MATMUL_CANDIDATES) {
    for (const config of [base, { ...base, splitK: true }]) {
      test(configKey(config), async () => {
        await withConfig(config, async () => {
          // Below 512 along K nothing is split (slices are at least 256 long): only the long-K cases differ.
          for (const c of config.splitK ? CASES.filter((x) => x.name.startsWith('long K')) : CASES) {
            const { worst, tol } = await compare(c);
            expect(worst, c.name).toBeLessThan(tol);
          }
        });
      }, 60_000);
    }
  }

  test('a tall matrix @ vector with more row groups than one grid dimension holds, on every dot kernel', async () => {
    // 70,000 rows: one workgroup per row (the GPU dot kernels) is past the 65,535 per dimension.
    const c: Case = { name: 'tall 70000x4 @ 4x2', a: [70_000, 4], b: [4, 2] };
    for (const config of MATMUL_CANDIDATES.filter((x) => x.kind === 'dot')) {
      await withConfig(config, async () => {
        const { worst, tol } = await compare(c);
        expect(worst, configKey(config)).toBeLessThan(tol);
      });
    }
  }, 60_000);

  test('a long-K product with few outputs is split automatically: one batched matmul and one sum', async () => {
    await withConfig(null, async () => {
      const c: Case = { name: 'auto split 8x4096 @ 4096x8', a: [8, 4096], b: [4096, 8] };
      const before = gpu!.dispatchCount;
      const { worst, tol } = await compare(c);
      // randn twice (2), the matmul pass and the reduce (2); the cpu run dispatches nothing here.
      expect(gpu!.dispatchCount - before).toBe(4);
      expect(worst).toBeLessThan(tol);
    });
  }, 60_000);
});

describe('matmul path choice', () => {
  test('shape classes: small N is matvec, small M skinny, the rest by size', () => {
    expect(shapeClass(4096, 1, 4096)).toBe('matvec');
    expect(shapeClass(64, 4, 64)).toBe('matvec');
    expect(shapeClass(1, 4096, 4096)).toBe('skinny');
    expect(shapeClass(2, 2, 64)).toBe('skinny');
    expect(shapeClass(100, 12, 100)).toBe('skinny');
    expect(shapeClass(128, 128, 128)).toBe('small');
    expect(shapeClass(1024, 1024, 1024)).toBe('large');
  });

  for (const isSoftware of [true, false]) {
    test(`untuned choice (${isSoftware ? 'CPU-emulated' : 'GPU'} adapter)`, () => {
      const pick = (M: number, N: number, K: number, batch = 1) => chooseMatmulConfig(M, N, K, batch, {}, isSoftware);
      // Matrix @ vector: dot products along K; split when K is long.
      expect(pick(4096, 1, 1024).kind).toBe('dot');
      expect(pick(4096, 1, 1024).splitK).toBeFalsy();
      expect(pick(4096, 1, 4096)).toMatchObject({ kind: 'dot', splitK: true });
      // Vector @ matrix: one row per invocation.
      expect(pick(1, 4096, 1024)).toMatchObject({ tm: 1 });
      expect(pick(1, 4096, 4096)).toMatchObject({ tm: 1, splitK: true });
      // The weight gradient x^T g over a batch of tokens: few outputs, long K.
      expect(pick(64, 64, 16384).splitK).toBe(true);
      // Many outputs or a short K: no split; batches count as outputs.
      expect(pick(1024, 1024, 8192).splitK).toBeFalsy();
      expect(pick(64, 64, 1024).splitK).toBeFalsy();
      expect(pick(64, 64, 8192, 16).splitK).toBeFalsy();
      expect(pick(512, 512, 512).kind).not.toBe('dot');
    });
  }

  test('tuned entries override the defaults, splitK off disables the split, an override wins', () => {
    const tuned = { matvec: 'dot1/L64', splitK: 'off' };
    expect(chooseMatmulConfig(4096, 1, 8192, 1, tuned, true)).toEqual({ kind: 'dot', rm: 1, lanes: 64 });
    const forced: MatmulConfig = { tm: 4, tn: 4, wg: [8, 8], vecA: false, vecB: false };
    expect(chooseMatmulConfig(4096, 1, 8192, 1, tuned, true, forced)).toBe(forced);
  });

  test('configuration keys round-trip, split or not', () => {
    for (const c of MATMUL_CANDIDATES) {
      expect(configFromKey(configKey(c))).toEqual(c);
      expect(configFromKey(configKey({ ...c, splitK: true }))).toEqual({ ...c, splitK: true });
    }
    expect(configKey({ kind: 'dot', rm: 4, lanes: 1, splitK: true })).toBe('dot4/L1/splitK');
    expect(configFromKey('3x3/1x1/A1B1')).toBeUndefined();
  });

  test('slices of K: at least 256 long, at most 64, enough for about 65,536 partial outputs', () => {
    expect(splitCount(4096, 16384)).toBe(16);
    expect(splitCount(1, 1 << 20)).toBe(64);
    expect(splitCount(15, 1030)).toBe(4);
    expect(splitCount(64, 300)).toBe(1);
    expect(splitCount(1 << 20, 8192)).toBe(2);
  });
});
