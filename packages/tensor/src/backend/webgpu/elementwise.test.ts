import { describe, expect, test } from 'vitest';
import * as T from '../../index.js';
import { call, cast, input, type Expr } from '../../expr.js';
import { viewOf } from '../../ops/core.js';
import type { Sym } from '../../ops/fuse.js';
import type { Tensor } from '../../tensor.js';
import { testBackends } from '../../test-util/backends.js';
import type { View } from '../kernel.js';
import { elementwiseProgram } from './kernels/elementwise.js';
import type { GpuBuffer } from './pool.js';
import type { WebGPUBackend } from './webgpu-backend.js';

/**
 * The two layouts of elementwise kernels (vec4 quads where every view allows it, one element
 * per invocation otherwise), with one and four quads per invocation, against the cpu backend.
 */
const backends = await testBackends();
const gpu = backends.find((b) => b.name === 'webgpu') as WebGPUBackend | undefined;
const cpu = backends[0]!;

/** Whether a kernel reading `ins` (broadcast to the output shape) into `outs` takes the vector path. */
function vectorized(ins: readonly Tensor[], outs: readonly Tensor[]): boolean {
  const shape = outs[0]!.shape;
  const all = ins.map((t, i) => cast(input(i, t.dtype), 'float32')).reduce((a, b) => call('add', a, b));
  const roots: Expr[] = outs.map((o, j) => (j === 0 ? all : cast(input(0, ins[0]!.dtype), o.dtype)));
  const view = (t: Tensor, s?: readonly number[]): View<GpuBuffer> => viewOf(t, s) as View<GpuBuffer>;
  const p = elementwiseProgram(roots, ins.map((t) => view(t, shape)), outs.map((o) => view(o)), [], 65535, gpu!.elementwiseQuads);
  return /var<storage, read(_write)?> \w+: array<vec4</.test(p.source);
}

/** The same values on both backends (float32 normals, or small integers for int32). */
async function pair(shape: number[], seed: number, dtype: 'float32' | 'int32' = 'float32'): Promise<[Tensor, Tensor]> {
  T.manualSeed(seed);
  const c = dtype === 'int32' ? T.randint(-50, 50, shape, { device: cpu }) : T.randn(shape, { device: cpu });
  return [c, await c.to(gpu!)];
}

/** |got - want| <= rtol (|want| + 1) elementwise, NaN matching NaN; bool and int32 exactly. */
async function expectClose(got: Tensor, want: Tensor, rtol = 1e-6): Promise<void> {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const [g, w] = [Array.from(await got.data(), Number), Array.from(await want.data(), Number)];
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i]!)) expect(g[i], `element ${i}`).toBeNaN();
    else if (want.dtype !== 'float32') expect(g[i], `element ${i}`).toBe(w[i]);
    else expect(Math.abs(g[i]! - w[i]!), `element ${i}: got ${g[i]}, want ${w[i]}`).toBeLessThanOrEqual(rtol * (Math.abs(w[i]!) + 1));
  }
}

const chain = (x: Sym, y: Sym): Sym => x.mul(y).add(1).tanh().mul(0.5).add(x).sigmoid().sub(y).abs();

// webgpu kernels against cpu need an adapter: testBackends fails the run under CI without one, and announces the skip elsewhere.
describe.skipIf(!gpu)('elementwise kernels on webgpu', () => {
  for (const quads of [1, 4]) {
    describe(`${quads} quad(s) per invocation`, () => {
      const withQuads = async (body: () => Promise<void>): Promise<void> => {
        const saved = gpu!.elementwiseQuads;
        gpu!.elementwiseQuads = quads;
        try {
          await body();
        } finally {
          gpu!.elementwiseQuads = saved;
        }
      };

      // 16,387 = 4,097 quads: past a whole number of 1,024-quad workgroups, with a partial quad.
      test('contiguous 1-D of every size mod 4, across workgroups', () =>
        withQuads(async () => {
          const f = T.fuse(chain);
          for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 1023, 16387]) {
            const [xc, xg] = await pair([n], n);
            const [yc, yg] = await pair([n], n + 1);
            const outs = [T.neg(xg), T.add(xg, yg), T.mul(xg, 2.5), f(xg, yg)];
            expect(vectorized([xg, yg], [outs[1]!])).toBe(n > 1); // one element: no dims left, the general path
            const wants = [T.neg(xc), T.add(xc, yc), T.mul(xc, 2.5), f(xc, yc)];
            for (let k = 0; k < 3; k++) await expectClose(outs[k]!, wants[k]!);
            await expectClose(outs[3]!, wants[3]!, 1e-5);
            T.dispose([xc, xg, yc, yg, outs, wants]);
          }
        }));

      test('views at offsets: aligned ones vectorize, the others take the general path', () =>
        withQuads(async () => {
          const [bc, bg] = await pair([40], 3);
          const [oc, og] = await pair([40], 4);
          for (const off of [0, 1, 2, 3, 4, 5, 8]) {
            const x = [bc.narrow(0, off, 30), bg.narrow(0, off, 30)] as const;
            const yAligned = [oc.narrow(0, 4, 30), og.narrow(0, 4, 30)] as const;
            const yOdd = [oc.narrow(0, 1, 30), og.narrow(0, 1, 30)] as const;
            const got = [T.neg(x[1]), T.add(x[1], yAligned[1]), T.add(x[1], yOdd[1])];
            expect(vectorized([x[1]], [got[0]!])).toBe(off % 4 === 0);
            expect(vectorized([x[1], yAligned[1]], [got[1]!])).toBe(off % 4 === 0);
            expect(vectorized([x[1], yOdd[1]], [got[2]!])).toBe(false);
            const want = [T.neg(x[0]), T.add(x[0], yAligned[0]), T.add(x[0], yOdd[0])];
            for (let k = 0; k < 3; k++) await expectClose(got[k]!, want[k]!);
            T.dispose([got, want]);
          }
          T.dispose([bc, bg, oc, og]);
        }));

      test('broadcast and strided inputs', () =>
        withQuads(async () => {
          const cases: { a: number[]; b: number[]; vector: boolean; view?: (t: Tensor) => Tensor }[] = [
            { a: [33, 8], b: [8], vector: true }, // a row broadcast down the rows: outer stride 0
            { a: [33, 8], b: [33, 1], vector: true }, // a column broadcast along each row: one element per quad
            { a: [37], b: [], vector: true }, // a 0-d tensor
            { a: [5, 6], b: [6], vector: false }, // rows of 6: not whole quads
            { a: [8, 12], b: [12, 8], vector: false, view: (t) => t.mT }, // transposed
            { a: [6, 4], b: [6, 8], vector: true, view: (t) => t.narrow(1, 4, 4) }, // aligned row slices
            { a: [6, 4], b: [6, 8], vector: false, view: (t) => t.narrow(1, 2, 4) }, // unaligned row slices
            { a: [6, 6], b: [6, 8], vector: false, view: (t) => t.narrow(1, 0, 6) }, // rows of 6 with stride 8
          ];
          for (const [i, c] of cases.entries()) {
            const [ac, ag] = await pair(c.a, 10 + i);
            const [bc0, bg0] = await pair(c.b, 20 + i);
            const [bc, bg] = c.view ? [c.view(bc0), c.view(bg0)] : [bc0, bg0];
            const got = T.sub(ag, bg);
            expect(vectorized([ag, bg], [got]), `case ${i}`).toBe(c.vector);
            await expectClose(got, T.sub(ac, bc));
            T.dispose([ac, ag, bc0, bg0, got]);
          }
        }));

      test('in-place updates of several targets write only their own elements', () =>
        withQuads(async () => {
          for (const [off, vector] of [[4, true], [3, false], [0, true]] as const) {
            const bases: Tensor[] = [];
            for (const device of [cpu, gpu!]) {
              T.manualSeed(7);
              const p = T.randn([24], { device });
              const m = T.randn([24], { device });
              const g = T.randn([10], { device });
              // 10 elements: the last quad of the aligned view is partial, and its other two
              // elements belong to the base tensor.
              const [pv, mv] = [p.narrow(0, off, 10), m.narrow(0, off, 10)];
              if (device === gpu) expect(vectorized([pv, mv, g], [pv, mv])).toBe(vector);
              T.updateInPlace('momentum', [pv, mv], [pv, mv, g, 0.9], (pe: Expr, me: Expr, ge: Expr, mu: Expr) => {
                const m2 = call('add', call('mul', mu, me), ge);
                return [call('sub', pe, m2), m2];
              });
              bases.push(p, m);
            }
            await expectClose(bases[2]!, bases[0]!);
            await expectClose(bases[3]!, bases[1]!);
            T.dispose(bases);
          }
        }));

      test('several outputs, and bool and int32 values', () =>
        withQuads(async () => {
          const [xc, xg] = await pair([13], 30);
          const [yc, yg] = await pair([13], 31);
          const [ic, ig] = await pair([2, 6], 32, 'int32');
          const [jc, jg] = await pair([6], 33, 'int32');
          const three = T.fuse((x: Sym) => [x.mul(2), x.exp(), x.tanh()]);
          const run = (x: Tensor, y: Tensor, i: Tensor, j: Tensor): Tensor[] => {
            const mask = T.gt(x, y);
            return [...three(x), mask, T.where(mask, x, y), T.add(i, j), T.mul(i, 3)];
          };
          const got = run(xg, yg, ig, jg);
          const want = run(xc, yc, ic, jc);
          expect(vectorized([xg, yg], [got[3]!])).toBe(true);
          expect(vectorized([got[3]!, xg, yg], [got[4]!])).toBe(true);
          expect(vectorized([ig, jg], [got[5]!])).toBe(false); // rows of 6
          expect(vectorized([ig], [got[6]!])).toBe(true); // 12 elements, coalesced
          for (let k = 0; k < got.length; k++) await expectClose(got[k]!, want[k]!, 1e-5);
          T.dispose([xc, xg, yc, yg, ic, ig, jc, jg, got, want]);
        }));
    });
  }

  // The helpers patch special cases in with select(); tanh is a polynomial below |x| = 0.625
  // and one exp above it. Held to a few ulp (tighter than the fixtures' 1e-5) and exact at the
  // special values, across the boundaries of each formula.
  test('transcendental helpers: accuracy across their formulas and special values', async () => {
    const grid: number[] = [];
    for (let i = -4000; i <= 4000; i++) grid.push(i / 200);
    for (const b of [0.625, 15, 20, 80, 88.72284, -87.33655, -103.97208]) for (const d of [-1e-3, -1e-6, 0, 1e-6, 1e-3]) grid.push(b + d, -(b + d));
    grid.push(0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 1e-5, 3e-5, 88.8, 100, -100, -110, Infinity, -Infinity, NaN);
    // [name, op, rtol, atol]: atol 1e-37 lets exp's results below 2^-126 flush to zero; log's
    // 5e-7 is what Vulkan allows a driver's log near 1 (an absolute 2^-21 inside [0.5, 2]).
    const ops: [string, (t: Tensor) => Tensor, number, number][] = [
      ['tanh', T.tanh, 1e-6, 1e-37],
      ['sigmoid', T.sigmoid, 2e-6, 1e-37],
      ['exp', T.exp, 4e-6, 1e-37],
      ['expm1', T.expm1, 4e-6, 1e-37],
      ['log1p', (t) => T.log1p(t.abs().sub(1)), 2e-6, 1e-37],
      ['log', (t) => T.log(t.abs()), 2e-6, 5e-7],
      ['sqrt', (t) => T.sqrt(t.abs()), 1e-6, 1e-37],
      ['erf', T.erf, 2e-6, 1e-37],
    ];
    const xc = T.tensor(grid, { device: cpu });
    const xg = T.tensor(grid, { device: gpu! });
    for (const [name, f, rtol, atol] of ops) {
      const [g, w] = [Array.from(await f(xg).data()), Array.from(await f(xc).data())];
      for (let i = 0; i < w.length; i++) {
        const what = `${name} at grid point ${grid[i]}: got ${g[i]}, want ${w[i]}`;
        if (Number.isNaN(w[i]!)) expect(g[i], what).toBeNaN();
        else if (!Number.isFinite(w[i]!) || w[i] === 0) expect(Object.is(g[i], w[i]) || (w[i] === 0 && Math.abs(g[i]!) < 1e-37), what).toBe(true);
        // Relative everywhere else, tanh, expm1 and log1p near 0 included.
        else expect(Math.abs(g[i]! - w[i]!), what).toBeLessThanOrEqual(rtol * Math.abs(w[i]!) + atol);
      }
    }
    expect(Object.is((await T.tanh(T.tensor([-0], { device: gpu! })).data())[0], -0)).toBe(true);
    T.dispose([xc, xg]);
  });

  // sin and cos reduce |x| <= 8192 by pi/4 themselves (driver sin/cos are specified only to an
  // absolute 2^-11): held to an absolute 2.5e-7 over the whole range, odd and even as they should be.
  test('sin and cos: a few ulp up to |x| = 8192, special values, the sign of sin -0', async () => {
    const grid: number[] = [];
    for (let i = -3000; i <= 3000; i++) grid.push(i / 64);
    for (let i = 0; i <= 2000; i++) grid.push(Math.fround(50 * Math.pow(8192 / 50, i / 2000)), -Math.fround(1 + 8191 * ((i * 0.618034) % 1)));
    for (let k = 1; k <= 40; k++) grid.push(Math.fround((k * Math.PI) / 4), Math.fround((k * 203 * Math.PI) / 4));
    grid.push(0, -0, 8192, -8192, Infinity, -Infinity, NaN);
    const xc = T.tensor(grid, { device: cpu });
    const xg = T.tensor(grid, { device: gpu! });
    for (const f of [T.sin, T.cos]) {
      const [g, w] = [Array.from(await f(xg).data()), Array.from(await f(xc).data())];
      for (let i = 0; i < w.length; i++) {
        const what = `${f === T.sin ? 'sin' : 'cos'} at ${grid[i]}: got ${g[i]}, want ${w[i]}`;
        if (Number.isNaN(w[i]!)) expect(g[i], what).toBeNaN();
        else expect(Math.abs(g[i]! - w[i]!), what).toBeLessThanOrEqual(2.5e-7);
      }
    }
    expect(Object.is((await T.sin(T.tensor([-0], { device: gpu! })).data())[0], -0)).toBe(true);
    T.dispose([xc, xg]);
  });
});
