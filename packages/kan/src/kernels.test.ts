import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { testBackends } from './test-util/backends.js';
import {
  AFKAN_ACTIVATIONS, AFKAN_FUNCTIONS, AFKANLayer, afkanBasis, afkanBasisReference, applyActivation, l2mm, l2mmReference, reluKanBasis, reluKanBasisReference,
  reluKanGrid, type AFKANActivation, type AFKANFunction,
} from './index.js';

const backends = await testBackends();
const cpu = backends[0]!;
const gpu = backends.find((b) => b.name === 'webgpu') as T.WebGPUBackend | undefined;

async function maxRelErr(a: Tensor, b: Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [da, db] = [await a.data(), await b.data()];
  const scale = Array.from(db).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < da.length; i++) worst = Math.max(worst, Math.abs(da[i]! - db[i]!) / (Math.abs(db[i]!) + scale + 1e-30));
  return worst;
}

type Basis = (x: Tensor, s: Tensor, e: Tensor) => Tensor;

/** Output and gradients w.r.t. x, s, e for the cotangent g. */
function withGrads(f: Basis, x: Tensor, s: Tensor, e: Tensor, g: Tensor): Tensor[] {
  const y = f(x, s, e);
  return [y, ...T.gradients([y], [x, s, e], [g]).map((t) => t!)];
}

/** A perturbed AF-KAN grid (n) and inputs spanning it, on `device`. */
function afkanInputs(device: T.Backend, shape: number[], seed: number, dtype: T.DType = 'float32') {
  T.manualSeed(seed);
  const { low, high } = reluKanGrid(3, 3);
  const opts = { device, dtype };
  const jitter = (v: number[]): Tensor => T.add(T.tensor(v, opts), T.mul(T.rand([v.length], opts), 0.05)).detach();
  const x = T.add(T.mul(T.randn(shape, opts), 0.7), 0.3).detach();
  const s = jitter(low);
  const e = jitter(high);
  for (const t of [x, s, e]) t.requiresGrad = true;
  return { x, s, e, g: T.randn([...shape, low.length], opts) };
}

describe.each(backends.map((b) => [b.name, b] as const))('fused kernels against their compositions on %s', (_name, device) => {
  const tol = device.name === 'cpu' ? 2e-6 : 2e-5;
  // Every pair on cpu; on webgpu every activation with quad1 and every function with silu (each pair is its own pipeline).
  const pairs: [AFKANActivation, AFKANFunction][] = device.name === 'cpu'
    ? AFKAN_ACTIVATIONS.flatMap((a) => AFKAN_FUNCTIONS.map((f) => [a, f] as [AFKANActivation, AFKANFunction]))
    : [...AFKAN_ACTIVATIONS.map((a) => [a, 'quad1'] as [AFKANActivation, AFKANFunction]), ...AFKAN_FUNCTIONS.map((f) => ['silu', f] as [AFKANActivation, AFKANFunction])];
  test(`afkanBasis: ${pairs.length} (activation, function) pairs, values and gradients`, async () => {
    const { x, s, e, g } = afkanInputs(device, [6, 7], 1);
    const failures: string[] = [];
    for (const [a, f] of pairs) {
      const got = withGrads((u, v, w) => afkanBasis(u, v, w, a, f), x, s, e, g);
      const want = withGrads((u, v, w) => afkanBasisReference(u, v, w, a, f), x, s, e, g);
      for (let i = 0; i < 4; i++) {
        const err = await maxRelErr(got[i]!, want[i]!);
        if (!(err < tol)) failures.push(`${a}/${f} ${['phi', 'dx', 'ds', 'de'][i]}: ${err}`);
      }
      T.dispose([got, want]);
    }
    expect(failures).toEqual([]);
    T.dispose([x, s, e, g]);
  }, 120_000);

  test('afkanBasis on 3-D input and on a transposed (strided) view', async () => {
    const { x, s, e, g } = afkanInputs(device, [2, 3, 5], 2);
    for (const view of [(t: Tensor) => t, (t: Tensor) => t.transpose(0, 1)]) {
      const xv = view(x);
      const gv = view(g).contiguous();
      const got = withGrads((u, v, w) => afkanBasis(u, v, w), xv, s, e, gv);
      const want = withGrads((u, v, w) => afkanBasisReference(u, v, w), xv, s, e, gv);
      expect(got[0]!.shape).toEqual([...xv.shape, 6]);
      for (let i = 0; i < 4; i++) expect(await maxRelErr(got[i]!, want[i]!)).toBeLessThan(tol);
      T.dispose([got, want, gv]);
    }
    T.dispose([x, s, e, g]);
  });

  test('reluKanBasis with per-input grids (D, n) on 3-D input', async () => {
    T.manualSeed(3);
    const d = 4;
    const { low, high } = reluKanGrid(4, 2);
    const n = low.length;
    const tile = (v: number[]): Tensor => T.add(T.tensor(Array.from({ length: d }, () => v).flat(), { device, shape: [d, n] }), T.mul(T.rand([d, n], { device }), 0.04)).detach();
    const s = tile(low);
    const e = tile(high);
    const x = T.add(T.mul(T.rand([2, 3, d], { device }), 1.6), -0.4).detach();
    for (const t of [x, s, e]) t.requiresGrad = true;
    const g = T.randn([2, 3, d, n], { device });
    const got = withGrads(reluKanBasis, x, s, e, g);
    const want = withGrads(reluKanBasisReference, x, s, e, g);
    for (let i = 0; i < 4; i++) expect(await maxRelErr(got[i]!, want[i]!), ['R', 'dx', 'ds', 'de'][i]).toBeLessThan(tol);
    // The peak is 1 at a bump's midpoint.
    const mid = T.tensor([[(low[2]! + high[2]!) / 2]], { device });
    const peak = reluKanBasis(mid, T.tensor([[low[2]!]], { device }), T.tensor([[high[2]!]], { device }));
    expect(await peak.item()).toBeCloseTo(1, 6);
    T.dispose([x, s, e, g, got, want, mid, peak]);
  });

  test('l2mm per batch and per sample, values and gradients', async () => {
    for (const mode of ['batch', 'sample'] as const) {
      T.manualSeed(4);
      const phi = T.add(T.rand([3, 5, 6], { device }), 0.1).detach();
      phi.requiresGrad = true;
      const g = T.randn([3, 5, 6], { device });
      const got = l2mm(phi, mode);
      const want = l2mmReference(phi, mode);
      expect(await maxRelErr(got, want)).toBeLessThan(tol);
      const [dg] = T.gradients([got], [phi], [g]);
      const [dw] = T.gradients([want], [phi], [g]);
      expect(await maxRelErr(dg!, dw!)).toBeLessThan(tol);
      // Min-max: the extremes are exactly 0 and 1, per sample or over the whole batch.
      const rows = mode === 'batch' ? got.reshape([1, -1]) : got.reshape([3, -1]);
      const lo = Array.from(await rows.min(-1).data());
      const hi = Array.from(await rows.max(-1).data());
      expect(lo.every((v) => v === 0)).toBe(true);
      hi.forEach((v) => expect(v).toBeCloseTo(1, 6));
      T.dispose([phi, g, got, want, dg, dw, rows]);
    }
  });

  test('l2mm backward with tied minima (relu zeros), tied maxima and a constant sample', async () => {
    T.manualSeed(12);
    const base = T.relu(T.randn([3, 4, 5], { device }));
    // Sample 1 holds its max twice; sample 2 is constant (min = max: the eps branch).
    const data = Array.from(await base.data());
    data[20 + 5 + 3] = 9;
    data[20 + 10 + 1] = 9;
    for (let k = 40; k < 60; k++) data[k] = 0.5;
    const phi = T.tensor(data, { device, shape: [3, 4, 5], requiresGrad: true });
    const g = T.randn([3, 4, 5], { device });
    const [dg] = T.gradients([l2mm(phi, 'sample')], [phi], [g]);
    const [dw] = T.gradients([l2mmReference(phi, 'sample')], [phi], [g]);
    expect(await maxRelErr(dg!, dw!)).toBeLessThan(tol);
    T.dispose([base, phi, g, dg, dw]);
  });

  test('a sample under per-sample L2MM does not depend on the rest of its batch; under per-batch it does', async () => {
    T.manualSeed(5);
    const phi = T.add(T.rand([4, 3, 6], { device }), 0.1);
    const other = T.concat([phi.narrow(0, 0, 1), T.mul(phi.narrow(0, 1, 3), 3)], 0);
    for (const [mode, same] of [['sample', true], ['batch', false]] as const) {
      const a = await l2mm(phi, mode).narrow(0, 0, 1).data();
      const b = await l2mm(other, mode).narrow(0, 0, 1).data();
      const diff = Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
      if (same) expect(diff).toBeLessThan(1e-6);
      else expect(diff).toBeGreaterThan(1e-3);
    }
    T.dispose([phi, other]);
  });

  test('applyActivation: every activation, fused against composed, values and gradients', async () => {
    T.manualSeed(6);
    const x = T.mul(T.randn([5, 9], { device }), 2).detach();
    x.requiresGrad = true;
    const g = T.randn([5, 9], { device });
    for (const a of AFKAN_ACTIVATIONS) {
      const yf = applyActivation(a, x);
      const yr = applyActivation(a, x, false);
      expect(await maxRelErr(yf, yr), a).toBeLessThan(tol);
      const [df] = T.gradients([yf], [x], [g]);
      const [dr] = T.gradients([yr], [x], [g]);
      expect(await maxRelErr(df!, dr!), a).toBeLessThan(tol);
      T.dispose([yf, yr, df, dr]);
    }
    T.dispose([x, g]);
  });
});

describe('gradcheck in float64 (cpu)', () => {
  test('afkanBasis (fused) w.r.t. x, s and e for several pairs', async () => {
    for (const [a, f] of [['silu', 'quad1'], ['gelu', 'cubic1'], ['elu', 'quad2'], ['softplus', 'sum_prod'], ['tanh', 'cubic2']] as const) {
      const { x, s, e } = afkanInputs(cpu, [2, 3], 7, 'float64');
      const rep = await T.gradcheck((u, v, w) => afkanBasis(u!, v!, w!, a, f), [x.detach(), s.detach(), e.detach()]);
      expect(rep.ok, `${a}/${f}: ${JSON.stringify(rep.worst)}`).toBe(true);
      expect(rep.checked).toBe(6 + 6 + 6);
      T.dispose([x, s, e]);
    }
  });

  test('reluKanBasis (fused) w.r.t. x, s and e', async () => {
    T.manualSeed(8);
    const { low, high } = reluKanGrid(3, 2);
    const opts = { device: cpu, dtype: 'float64' as const };
    const s = T.add(T.tensor([low, low], opts), T.mul(T.rand([2, 5], opts), 0.03));
    const e = T.add(T.tensor([high, high], opts), T.mul(T.rand([2, 5], opts), 0.03));
    const x = T.add(T.mul(T.rand([3, 2], opts), 1.2), -0.2);
    const rep = await T.gradcheck((u, v, w) => reluKanBasis(u!, v!, w!), [x, s, e]);
    expect(rep.ok, JSON.stringify(rep.worst)).toBe(true);
    T.dispose([x, s, e]);
  });

  test('second derivatives (createGraph) of the fused basis go through the composition', async () => {
    const { x, s, e } = afkanInputs(cpu, [2, 3], 9, 'float64');
    const [sd, ed] = [s.detach(), e.detach()];
    const second = (u: Tensor): Tensor => T.grad((v: Tensor) => afkanBasis(v, sd, ed, 'gelu', 'quad1').square().sum(), { createGraph: true })(u)[0]!;
    const rep = await T.gradcheck(second, [x.detach()]);
    expect(rep.ok, JSON.stringify(rep.worst)).toBe(true);
    const v = T.randn([2, 3], { device: cpu, dtype: 'float64' });
    const hvp = (f: typeof afkanBasis): Tensor =>
      T.grad((u: Tensor) => T.grad((w: Tensor) => f(w, sd, ed, 'gelu', 'quad1').square().sum(), { createGraph: true })(u)[0]!.mul(v).sum())(x.detach())[0]!;
    expect(await maxRelErr(hvp(afkanBasis), hvp(afkanBasisReference))).toBeLessThan(1e-12);
    T.dispose([x, s, e, sd, ed, v]);
  });

  test('whole AF-KAN layers (every reduction, per-sample L2MM) w.r.t. their input', async () => {
    for (const methods of [['global_attn'], ['spatial_attn'], ['multistep']] as const) {
      T.manualSeed(10);
      const layer = new AFKANLayer(4, 3, { device: cpu, dtype: 'float64', l2mm: 'sample', methods: [...methods] });
      const x = T.add(T.mul(T.randn([2, 4], { device: cpu, dtype: 'float64' }), 0.6), 0.3);
      const rep = await T.gradcheck((u) => layer.forward(u!), [x]);
      expect(rep.ok, `${methods[0]}: ${JSON.stringify(rep.worst)}`).toBe(true);
      T.dispose(x);
      layer.dispose();
    }
  });
});

describe.runIf(gpu)('dispatches on webgpu', () => {
  test('the AF-KAN basis is ONE dispatch forward; its backward one row program and two reductions', async () => {
    const { x, s, e, g } = afkanInputs(gpu!, [64, 784], 11);
    const y0 = afkanBasis(x, s, e);
    T.dispose([y0, T.gradients([y0], [x, s, e], [g])]);
    const before = gpu!.dispatchCount;
    const y = afkanBasis(x, s, e);
    expect(gpu!.dispatchCount - before).toBe(1);
    // What one reduction of the rows to (n) costs here (a large one runs in two passes).
    const rows = T.zeros([64 * 784, 6], { device: gpu! });
    const r0 = gpu!.dispatchCount;
    const reduced = rows.sum(0);
    const perReduction = gpu!.dispatchCount - r0;
    const mid = gpu!.dispatchCount;
    const gs = T.gradients([y], [x, s, e], [g]);
    expect(gpu!.dispatchCount - mid).toBe(1 + 2 * perReduction);
    T.dispose([rows, reduced]);
    await gs[0]!.data();
    T.dispose([x, s, e, g, y, gs]);
  });
});

describe.runIf(gpu)('dispatches of L2MM on webgpu', () => {
  test('per-sample L2MM is ONE dispatch forward; its backward two row reductions and one row program', async () => {
    const phi = T.rand([64, 784, 6], { device: gpu!, requiresGrad: true });
    const g = T.randn([64, 784, 6], { device: gpu! });
    const y0 = l2mm(phi, 'sample');
    T.dispose([y0, T.gradients([y0], [phi], [g])]);
    const rows = T.zeros([64, 784 * 6], { device: gpu! });
    const r0 = gpu!.dispatchCount;
    const m = rows.max(-1, true);
    const perReduction = gpu!.dispatchCount - r0;
    const before = gpu!.dispatchCount;
    const y = l2mm(phi, 'sample');
    expect(gpu!.dispatchCount - before).toBe(1);
    const mid = gpu!.dispatchCount;
    const [d] = T.gradients([y], [phi], [g]);
    expect(gpu!.dispatchCount - mid).toBe(2 * perReduction + 1);
    await d!.data();
    T.dispose([phi, g, rows, m, y, d]);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('memory on %s', (_name, device) => {
  test('training steps of an AF-KAN layer leave no live tensors behind', async () => {
    const layer = new AFKANLayer(6, 3, { device, methods: ['global_attn', 'spatial_attn'], l2mm: 'sample' });
    const x = T.randn([4, 6], { device });
    const step = async (): Promise<void> => {
      const loss = T.tidy(() => layer.forward(x).square().mean());
      loss.backward();
      loss.dispose();
      layer.zeroGrad();
      await T.sync(device);
    };
    await step();
    const before = T.memory().liveTensors;
    for (let i = 0; i < 3; i++) await step();
    expect(T.memory().liveTensors).toBe(before);
    x.dispose();
    layer.dispose();
  });
});
