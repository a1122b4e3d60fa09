import { describe, expect, test } from 'vitest';
import * as T from '../../index.js';
import { testBackends } from '../../test-util/backends.js';
import { chooseMatmulConfig, configFromKey, shapeClass } from './autotune.js';
import { ValueError } from '../../errors.js';
import type { View } from '../kernel.js';
import { MATMUL_CANDIDATES, configKey, matmulProgram, splitCount, type MatmulConfig, type SharedConfig } from './kernels/matmul.js';
import type { GpuBuffer } from './pool.js';
import type { WebGPUBackend } from './webgpu-backend.js';

/** Every matmul configuration the autotuner may pick, unsplit and split along K, checked against the cpu backend. */
const backends = await testBackends();
const gpu = backends.find((b) => b.name === 'webgpu') as WebGPUBackend | undefined;
const cpu = backends[0]!;

/** Operand shapes as allocated; `sliceA`/`sliceB` narrow each dim to [start, length] first (an offset and strides past the width). */
type Case = { name: string; a: number[]; b: number[]; transA?: boolean; transB?: boolean; sliceA?: [number, number][]; sliceB?: [number, number][] };
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
  // Edges of a 64 x 64 block (and of 128 rows): M, N, K of 1, 63, 65 and 130; K not a multiple of 16.
  { name: 'edges 65x63 @ 63x130', a: [65, 63], b: [63, 130] },
  { name: 'edges 130x65 @ 65x63, A and B transposed', a: [65, 130], b: [63, 65], transA: true, transB: true },
  { name: 'edges K = 1, 63x1 @ 1x65', a: [63, 1], b: [1, 65] },
  { name: 'edges M = 1, 1x130 @ 130x63', a: [1, 130], b: [130, 63] },
  { name: 'edges N = 1, 65x130 @ 130x1', a: [65, 130], b: [130, 1] },
  { name: 'edges batched broadcast 2x1x65x33 @ 3x33x63', a: [2, 1, 65, 33], b: [3, 33, 63] },
  { name: 'edges sliced operands (offsets, strides past the width)', a: [70, 40], b: [40, 70], sliceA: [[3, 65], [5, 33]], sliceB: [[2, 33], [1, 63]] },
];

async function run(device: typeof cpu, c: Case): Promise<{ data: Float32Array; K: number }> {
  T.manualSeed(11);
  const a = T.randn(c.a, { device });
  const b = T.randn(c.b, { device });
  const narrow = (x: T.Tensor, s?: [number, number][]): T.Tensor => (s ?? []).reduce((y, [start, length], d) => y.narrow(d, start, length), x);
  const sa = narrow(a, c.sliceA);
  const sb = narrow(b, c.sliceB);
  const A = c.transA ? sa.mT : sa;
  const out = T.tidy(() => T.matmul(A, c.transB ? sb.mT : sb));
  const data = (await out.data()) as Float32Array;
  const K = A.shape[A.ndim - 1]!;
  T.dispose([a, b, sa, sb, out]);
  return { data, K };
}

/** Worst |got - want| / (1 + |want|) against the cpu backend, and the tolerance for that K. */
async function compare(c: Case): Promise<{ worst: number; tol: number }> {
  const { data: want, K } = await run(cpu, c);
  // Fresh (zeroed) buffers: a reused output still holding an earlier configuration's result would hide unwritten blocks.
  gpu!.emptyCache();
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

  test('workgroup-memory tiles fold their grid into two dims: more blocks x batch than one dimension holds', async () => {
    // Lowering the backend's limit to 16 workgroups per dimension stands in for a problem with
    // more than 65,535 blocks (too slow on lavapipe, where barriers are slow).
    const limited = gpu as unknown as { maxPerDim: number };
    const saved = limited.maxPerDim;
    limited.maxPerDim = 16;
    try {
      // 3 x 3 x 3 = 27 blocks of 64 x 64 (a 14 x 2 grid with one spare workgroup), 3 x 2 x 3 = 18 of 128 x 64 (9 x 2).
      const c: Case = { name: 'folded 3x130x40 @ 40x130', a: [3, 130, 40], b: [40, 130] };
      for (const config of MATMUL_CANDIDATES.filter((x) => x.kind === 'shared')) {
        await withConfig(config, async () => {
          const { worst, tol } = await compare(c);
          expect(worst, configKey(config)).toBeLessThan(tol);
        });
      }
    } finally {
      limited.maxPerDim = saved;
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

  test('workgroup-memory tiles are among the candidates, named by block, K step and outputs per invocation', () => {
    const shared = MATMUL_CANDIDATES.filter((c) => c.kind === 'shared');
    expect(shared.map((c) => configKey(c))).toEqual(['smem64x64/k16/4x4', 'smem128x64/k16/8x4']);
    expect(configFromKey('smem64x64/k16/4x4/splitK')).toEqual({ kind: 'shared', bm: 64, bn: 64, bk: 16, tm: 4, tn: 4, splitK: true });
  });

  // Views for building programs without a device (the buffer is never touched).
  const view = (shape: number[]): View<GpuBuffer> => ({
    buffer: {} as GpuBuffer,
    dtype: 'float32',
    shape,
    strides: shape.map((_, d) => shape.slice(d + 1).reduce((x, y) => x * y, 1)),
    offset: 0,
  });
  const tile64: SharedConfig = { kind: 'shared', bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 };

  test('a workgroup-memory grid: one workgroup per block and batch, folded within the per-dimension limit', () => {
    // 20 x 3 x 3 = 180 blocks: 15 x 12 under a limit of 16 (spare workgroups leave at once).
    const p = matmulProgram(view([20, 130, 70]), view([20, 70, 130]), view([20, 130, 130]), 16, tile64);
    expect(p.grid[0]).toBeLessThanOrEqual(16);
    expect(p.grid[1]).toBeLessThanOrEqual(16);
    expect(p.grid[2]).toBe(1);
    expect(p.grid[0] * p.grid[1]).toBeGreaterThanOrEqual(180);
    expect(p.grid[0] * p.grid[1] - 180).toBeLessThan(p.grid[1]);
    // Under the device's limit, a 1024 x 1024 product is 16 x 16 = 256 workgroups along x.
    expect(matmulProgram(view([1024, 1024]), view([1024, 1024]), view([1024, 1024]), 65535, tile64).grid).toEqual([256, 1, 1]);
    // More than limit^2 workgroups cannot be dispatched at all.
    expect(() => matmulProgram(view([20, 130, 70]), view([20, 70, 130]), view([20, 130, 130]), 8, tile64)).toThrow(RangeError);
  });

  test('a workgroup-memory tile set by hand is checked: divisibility, 256 invocations, 16 KiB of tiles', () => {
    const build = (c: SharedConfig) => () => matmulProgram(view([64, 64]), view([64, 64]), view([64, 64]), 65535, c);
    expect(build({ ...tile64, tm: 3 })).toThrow(ValueError);
    expect(build({ ...tile64, tm: 3 })).toThrow(/tm must divide bm/);
    expect(build({ ...tile64, bk: 0 })).toThrow(/positive integers/);
    expect(build({ kind: 'shared', bm: 128, bn: 128, bk: 8, tm: 4, tn: 4 })).toThrow(/1024 invocations per workgroup/);
    expect(build({ kind: 'shared', bm: 128, bn: 128, bk: 32, tm: 8, tn: 8 })).toThrow(/16384 bytes/);
    expect(build(tile64)).not.toThrow();
  });

  test('slices of K: at least 256 long, at most 64, enough for about 65,536 partial outputs', () => {
    expect(splitCount(4096, 16384)).toBe(16);
    expect(splitCount(1, 1 << 20)).toBe(64);
    expect(splitCount(15, 1030)).toBe(4);
    expect(splitCount(64, 300)).toBe(1);
    expect(splitCount(1 << 20, 8192)).toBe(2);
  });
});
