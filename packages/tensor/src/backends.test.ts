import { beforeAll, describe, expect, test } from 'vitest';
import * as T from './index.js';
import type { Tensor } from './tensor.js';
import { testBackends } from './test-util/backends.js';

/**
 * The webgpu backend against the cpu reference on seeded random inputs: one or more ops of every
 * family, shapes larger than the fixtures, and a dispatch of more than 65,535 workgroups. The
 * inputs are drawn on cpu and copied bit for bit to webgpu, so every difference is the kernels'.
 *
 * Tolerances (|gpu - cpu| <= atol + rtol |cpu|): cpu computes in float64 and rounds once, so
 * these measure the webgpu kernels' float32 error.
 *   exact        copies, comparisons, selections, integer arithmetic, argmax/topk indices
 *   ELEMENTWISE  rtol 1e-6: one or two float32 roundings
 *   TRANSC.      rtol 1e-5, atol 3e-6: GPU exp/log/sin/tanh are specified to a few ulp
 *   sums of n    rtol 1e-5, atol 3e-6 sqrt(n) s: rounding grows like sqrt(n) (n terms of size s);
 *                about 4x the largest error seen on lavapipe, far below one term, so a lost or
 *                doubled element still fails
 */

interface Tol {
  rtol: number;
  atol: number;
}
const EXACT: Tol = { rtol: 0, atol: 0 };
const ELEMENTWISE: Tol = { rtol: 1e-6, atol: 1e-7 };
const TRANSCENDENTAL: Tol = { rtol: 1e-5, atol: 3e-6 };
/** A sum of n terms of magnitude about `scale`. */
const sumOf = (n: number, scale = 1): Tol => ({ rtol: 1e-5, atol: 3e-6 * Math.sqrt(n) * scale });

const backends = await testBackends();
const cpu = backends[0]!;
const gpu = backends.find((b) => b.name === 'webgpu');

type Inputs = Record<string, Tensor>;
/** The same inputs on each backend (identical bits). */
const on: { cpu: Inputs; webgpu: Inputs } = { cpu: {}, webgpu: {} };

const i32 = (t: Tensor): Tensor => t.astype('int32');

beforeAll(async () => {
  if (!gpu) return;
  T.manualSeed(20240607);
  const d = { device: cpu };
  const made: Inputs = T.tidy(() => ({
    a: T.randn([4, 5, 6], d),
    b: T.randn([5, 1], d),
    row: T.randn([6], d),
    col: T.randn([4, 1, 1], d),
    pos: T.rand([4, 5, 6], { ...d, low: 0.1, high: 4 }),
    pos56: T.rand([5, 6], { ...d, low: 0.5, high: 2 }),
    near1: T.rand([4, 5, 6], { ...d, low: 0.6, high: 1.4 }),
    ints: T.randint(-1000, 1000, [7, 33], d),
    small: T.randint(-4, 5, [6, 9], d),
    sq: T.randn([7, 9], d),
    wide: T.randn([6, 300], d),
    idx: T.randint(0, 5, [4, 3, 6], d),
    idx1: T.randint(0, 6, [8], d),
    src: T.randn([4, 3, 6], d),
    cls: T.randint(0, 10, [3, 4], d),
    m1: T.randn([33, 47], d),
    m2: T.randn([47, 29], d),
    bA: T.randn([3, 4, 17, 9], d),
    bB: T.randn([4, 9, 13], d),
    tA: T.randn([5, 30, 20], d),
    tB: T.randn([5, 11, 30], d),
    o1: T.randn([257, 129], d),
    o2: T.randn([129, 65], d),
    v129: T.randn([129], d),
    im1: T.randint(-20, 20, [9, 14], d),
    im2: T.randint(-20, 20, [14, 5], d),
    big256a: T.randn([256, 256], d),
    big256b: T.randn([256, 256], d),
    flat100k: T.randn([100_000], d),
    tall: T.randn([100_000, 3], d),
    grid: T.randn([317, 331], d),
  }));
  // Keep every input alive across the tests of this file.
  for (const [k, t] of Object.entries(made)) {
    on.cpu[k] = t;
    on.webgpu[k] = await t.to(gpu);
  }
});

/** Compares a webgpu result with the cpu one: same dtype and shape, NaN where cpu has NaN, values within tol. */
async function expectAgree(what: string, g: Tensor, c: Tensor, tol: Tol): Promise<void> {
  expect(g.device, what).toBe('webgpu');
  expect(g.dtype, `${what}: dtype`).toBe(c.dtype);
  expect(g.shape, `${what}: shape`).toEqual(c.shape);
  const gd = await g.data();
  const cd = await c.data();
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < cd.length; i++) {
    const cv = cd[i]!;
    const gv = gd[i]!;
    if (Number.isNaN(cv) || Number.isNaN(gv)) {
      expect(Number.isNaN(gv) && Number.isNaN(cv), `${what}: element ${i}: webgpu ${gv}, cpu ${cv}`).toBe(true);
      continue;
    }
    if (!Number.isFinite(cv) || !Number.isFinite(gv)) {
      expect(gv, `${what}: element ${i}`).toBe(cv);
      continue;
    }
    const excess = Math.abs(gv - cv) / (tol.atol + tol.rtol * Math.abs(cv));
    if (!(excess <= 1) && excess > worst) {
      worst = excess;
      worstAt = i;
    }
  }
  expect(worstAt, `${what}: element ${worstAt}: webgpu ${gd[worstAt]}, cpu ${cd[worstAt]} (tolerance exceeded ${worst.toFixed(1)}x)`).toBe(-1);
}

interface Case {
  name: string;
  tol: Tol | Tol[];
  run: (x: Inputs) => Tensor | Tensor[];
}

/** Runs each case on both backends (over the same input bits) and compares. */
function cases(group: string, list: Case[]): void {
  describe.skipIf(!gpu)(group, () => {
    for (const c of list) {
      test(c.name, async () => {
        const outs = {
          cpu: T.tidy(() => [c.run(on.cpu)].flat()),
          webgpu: T.tidy(() => [c.run(on.webgpu)].flat()),
        };
        expect(outs.webgpu.length).toBe(outs.cpu.length);
        for (let k = 0; k < outs.cpu.length; k++) {
          const tol = Array.isArray(c.tol) ? c.tol[k]! : c.tol;
          expect(outs.cpu[k]!.device).toBe('cpu');
          await expectAgree(`${c.name} [output ${k}]`, outs.webgpu[k]!, outs.cpu[k]!, tol);
        }
        T.dispose([outs.cpu, outs.webgpu]);
      });
    }
  });
}

cases('unary transcendental', [
  { name: 'exp', tol: TRANSCENDENTAL, run: (x) => T.exp(x.a!) },
  { name: 'log', tol: TRANSCENDENTAL, run: (x) => T.log(x.pos!) },
  { name: 'log1p, expm1', tol: [TRANSCENDENTAL, TRANSCENDENTAL], run: (x) => [T.log1p(x.pos!), T.expm1(x.a!)] },
  { name: 'sqrt, rsqrt', tol: [ELEMENTWISE, TRANSCENDENTAL], run: (x) => [T.sqrt(x.pos!), T.rsqrt(x.pos!)] },
  { name: 'tanh, sigmoid', tol: [TRANSCENDENTAL, TRANSCENDENTAL], run: (x) => [T.tanh(x.a!), T.sigmoid(x.a!)] },
  { name: 'sin, cos', tol: [TRANSCENDENTAL, TRANSCENDENTAL], run: (x) => [T.sin(x.a!.mul(3)), T.cos(x.a!.mul(3))] },
  { name: 'erf', tol: TRANSCENDENTAL, run: (x) => T.erf(x.a!) },
  { name: 'gelu (erf and tanh forms), silu, softplus', tol: TRANSCENDENTAL, run: (x) => [T.gelu(x.a!), T.gelu(x.a!, { approximate: 'tanh' }), T.silu(x.a!), T.softplus(x.a!.mul(10))] },
  { name: 'pow with a tensor exponent on a strided view', tol: TRANSCENDENTAL, run: (x) => T.pow(x.pos!.transpose(0, 2), x.a!.permute(2, 1, 0)) },
]);

cases('binary with broadcasting', [
  { name: 'add [4,5,6] + [5,1]', tol: ELEMENTWISE, run: (x) => T.add(x.a!, x.b!) },
  { name: 'sub [4,5,6] - [6], mul by [4,1,1]', tol: ELEMENTWISE, run: (x) => [T.sub(x.a!, x.row!), T.mul(x.a!, x.col!)] },
  { name: 'div by [5,6], by a scalar', tol: ELEMENTWISE, run: (x) => [T.div(x.a!, x.pos56!), T.div(x.a!, 3)] },
  { name: 'maximum, minimum of [5,1] and [4,1,1]', tol: EXACT, run: (x) => [T.maximum(x.b!, x.col!), T.minimum(x.a!, x.row!)] },
  { name: 'add of a permuted view and a broadcast row', tol: ELEMENTWISE, run: (x) => T.add(x.a!.permute(2, 0, 1), x.col!.reshape(4, 1)) },
  { name: 'int32 arithmetic', tol: EXACT, run: (x) => [T.add(x.ints!, 7), T.mul(x.small!, x.small!), T.sub(x.small!, x.ints!.index([0, 6], [0, 9]))] },
  { name: 'pow with a scalar exponent', tol: TRANSCENDENTAL, run: (x) => [T.pow(x.pos!, 2.5), T.pow(x.a!, 3)] },
]);

cases('comparisons and where', [
  {
    name: 'lt, ge, eq, ne with broadcasting',
    tol: EXACT,
    run: (x) => [T.lt(x.a!, x.b!), T.ge(x.a!, 0), T.eq(T.round(x.a!.mul(2)), T.round(x.row!.mul(2))), T.ne(x.small!, 0)],
  },
  { name: 'where(a > 0, a, 2b) broadcast', tol: EXACT, run: (x) => T.where(T.gt(x.a!, 0), x.a!, x.b!.mul(2)) },
  { name: 'maskedFill, logical ops', tol: EXACT, run: (x) => [T.maskedFill(x.a!, T.lt(x.a!, -0.5), -9), T.logicalAnd(T.gt(x.a!, 0), T.lt(x.b!, 0))] },
]);

cases('reductions', [
  { name: 'sum: all, over [0, 2], keepdim over 1', tol: sumOf(120), run: (x) => [T.sum(x.a!), T.sum(x.a!, [0, 2]), T.sum(x.a!, 1, true)] },
  { name: 'sum of int32 is exact', tol: EXACT, run: (x) => [T.sum(x.ints!, 1), T.sum(x.ints!)] },
  { name: 'mean over 1 and over all', tol: sumOf(120), run: (x) => [T.mean(x.a!, 1), T.mean(x.a!)] },
  { name: 'max, min over several dims', tol: EXACT, run: (x) => [T.max(x.a!, [1, 2]), T.min(x.a!, 0), T.max(x.a!.transpose(0, 2), -1, true)] },
  { name: 'prod over dim 2', tol: { rtol: 1e-5, atol: 1e-6 }, run: (x) => T.prod(x.near1!, 2) },
  { name: 'argmax, argmin (per dim and flat)', tol: EXACT, run: (x) => [T.argmax(x.a!, 1), T.argmin(x.a!, -1, true), T.argmax(x.a!), T.argmin(x.a!.permute(1, 2, 0), 2)] },
  {
    name: 'var over several dims (both corrections), std, norm',
    tol: sumOf(120),
    run: (x) => [T.variance(x.a!, [0, 2]), T.variance(x.a!, [1, 2], { correction: 0, keepdim: true }), T.std(x.a!, 1), T.norm(x.a!, 2, [0, 1]), T.norm(x.a!, 1)],
  },
  { name: 'logsumexp over [1, 2]', tol: sumOf(30), run: (x) => T.logsumexp(x.a!, [1, 2]) },
  { name: 'softmax, logSoftmax', tol: [TRANSCENDENTAL, sumOf(6, 3)], run: (x) => [T.softmax(x.a!, 1), T.logSoftmax(x.a!, -1)] },
  { name: 'cumsum along dims 1 and 0', tol: sumOf(300), run: (x) => [T.cumsum(x.wide!, 1), T.cumsum(x.a!, 0)] },
  { name: 'cumsum of int32 is exact', tol: EXACT, run: (x) => T.cumsum(x.ints!, 1) },
]);

cases('matmul', [
  { name: '[33, 47] @ [47, 29]', tol: sumOf(47, 1), run: (x) => T.matmul(x.m1!, x.m2!) },
  { name: 'batched with broadcasting: [3, 4, 17, 9] @ [4, 9, 13]', tol: sumOf(9), run: (x) => T.matmul(x.bA!, x.bB!) },
  {
    name: 'transposed and permuted views (no copies)',
    tol: sumOf(30),
    run: (x) => [T.matmul(x.tA!.mT, x.tB!.mT), T.matmul(x.tB!, x.tA!), T.matmul(x.bA!.permute(1, 0, 2, 3), x.bB!.unsqueeze(1))],
  },
  { name: 'odd shape 257x129 @ 129x65', tol: sumOf(129), run: (x) => T.matmul(x.o1!, x.o2!) },
  { name: 'vector @ matrix, matrix @ vector', tol: sumOf(129), run: (x) => [T.matmul(x.v129!, x.o2!), T.matmul(x.o1!, x.v129!)] },
  { name: 'int32 is exact', tol: EXACT, run: (x) => T.matmul(x.im1!, x.im2!) },
  { name: '256x256 @ 256x256', tol: sumOf(256), run: (x) => T.matmul(x.big256a!, x.big256b!) },
]);

cases('indexing', [
  { name: 'gather along dim 1', tol: EXACT, run: (x) => T.gather(x.a!, 1, x.idx!) },
  { name: 'gather from a transposed view', tol: EXACT, run: (x) => T.gather(x.a!.transpose(0, 1), 0, x.idx!.transpose(0, 1)) },
  { name: 'indexSelect along dim 2, embedding', tol: EXACT, run: (x) => [T.indexSelect(x.a!, 2, x.idx1!), T.embedding(x.sq!, x.idx!.index(0))] },
  { name: 'oneHot', tol: EXACT, run: (x) => T.oneHot(x.cls!, 10) },
  // Sources landing on one output are summed in index order on both backends: the same float32 roundings.
  { name: 'scatterAdd with repeated indices', tol: EXACT, run: (x) => [T.scatterAdd(T.zeros([4, 5, 6], { device: x.a!.backend }), 1, x.idx!, x.src!), T.scatterAdd(x.a!, 1, x.idx!, x.src!)] },
  { name: 'topk largest and smallest, values and indices', tol: EXACT, run: (x) => { const l = T.topk(x.a!, 3, -1); const s = T.topk(x.a!, 2, 1, false); return [l.values, l.indices, s.values, s.indices]; } },
  { name: 'topk over a long row', tol: EXACT, run: (x) => { const r = T.topk(x.wide!, 17, 1); return [r.values, r.indices]; } },
]);

cases('joining and shaping', [
  { name: 'concat along 1 (with dtype promotion), stack along 2', tol: EXACT, run: (x) => [T.concat([x.a!, x.b!.expand(4, 5, 3), x.idx!.index(null, null, [0, 5]).reshape(4, 3, 5).transpose(1, 2)], 2), T.stack([x.a!, x.a!.mul(2)], 2)] },
  { name: 'pad (grow and crop)', tol: EXACT, run: (x) => [T.pad(x.a!, [1, 2, 0, 1], 0.5), T.pad(x.a!, [-1, 2, 1, -2])] },
  { name: 'triu, tril', tol: EXACT, run: (x) => [T.triu(x.sq!, 1), T.tril(x.sq!, -1), T.triu(x.a!)] },
  { name: 'contiguous copy of a strided slice', tol: EXACT, run: (x) => x.grid!.index([3, 300, 7], [5, null, 3]).contiguous() },
]);

cases('larger shapes', [
  { name: 'sum, mean over 100k elements', tol: sumOf(100_000), run: (x) => [T.sum(x.flat100k!), T.mean(x.flat100k!).mul(100_000)] },
  { name: 'var, std, norm over 100k elements', tol: [sumOf(100_000), sumOf(100_000), sumOf(100_000)], run: (x) => [T.variance(x.flat100k!), T.std(x.flat100k!), T.norm(x.flat100k!)] },
  { name: 'max, argmax, argmin over 100k elements', tol: EXACT, run: (x) => [T.max(x.flat100k!), T.argmax(x.flat100k!), T.argmin(x.flat100k!)] },
  { name: 'logsumexp and softmax over 100k', tol: [sumOf(100_000), { rtol: 1e-5, atol: 1e-10 }], run: (x) => [T.logsumexp(x.flat100k!, 0), T.softmax(x.flat100k!, 0)] },
  { name: 'sum over the long dim of [100000, 3] (strided)', tol: sumOf(100_000), run: (x) => [T.sum(x.tall!, 0), T.mean(x.tall!.transpose(0, 1), 1)] },
  { name: 'reductions over [317, 331] along each dim and both', tol: sumOf(331 * 317), run: (x) => [T.sum(x.grid!, 0), T.sum(x.grid!, 1), T.sum(x.grid!, [0, 1]), T.variance(x.grid!, [1, 0])] },
  { name: 'cumsum along 100k', tol: sumOf(100_000), run: (x) => T.cumsum(x.flat100k!, 0) },
]);

describe.skipIf(!gpu)('more than 65,535 workgroups', () => {
  test(
    'an elementwise op on 2^24 + 3 elements, every element and the sum',
    async () => {
      const n = 2 ** 24 + 3;
      const groups = Math.ceil(n / 256);
      expect(groups).toBeGreaterThan((gpu as T.WebGPUBackend).device.limits.maxComputeWorkgroupsPerDimension);
      // A pattern with no period in common with the grid, exactly representable, the same on both backends.
      const host = new Float32Array(n);
      for (let i = 0; i < n; i++) host[i] = ((Math.imul(i, 2654435761) >>> 0) % 4093) / 1024 - 2;
      const results: Record<string, { y: Float32Array; sum: number; last: number }> = {};
      for (const device of [cpu, gpu!]) {
        const x = T.tensor(host, { device });
        const y = T.tidy(() => x.mul(3).add(1).abs());
        const s = T.sum(y);
        const lastElem = y.index([n - 1]);
        results[device.name] = { y: (await y.data()) as Float32Array, sum: await s.item(), last: (await lastElem.data())[0]! };
        T.dispose([x, y, s, lastElem]);
      }
      const c = results.cpu!;
      const g = results.webgpu!;
      // Every element, including those in the second row of the 2-D grid and the last partial workgroup.
      let mismatches = 0;
      let first = -1;
      for (let i = 0; i < n; i++) {
        if (g.y[i] !== c.y[i]) {
          mismatches++;
          if (first < 0) first = i;
        }
      }
      expect(mismatches, `first mismatch at ${first}: webgpu ${g.y[first]}, cpu ${c.y[first]}`).toBe(0);
      for (const i of [0, 1, 255, 65_535 * 256 - 1, 65_535 * 256, n - 3, n - 2, n - 1]) {
        expect(g.y[i], `element ${i}`).toBe(Math.abs(host[i]! * 3 + 1));
      }
      expect(g.last).toBe(c.y[n - 1]);
      // The sum of 16.8M non-negative terms: 64 float32 partial sums of 262k terms each.
      expect(Math.abs(g.sum - c.sum) / c.sum).toBeLessThan(1e-4);
    },
    120_000,
  );
});
