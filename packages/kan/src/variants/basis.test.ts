import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { testBackends } from '../test-util/backends.js';
import {
  bsplineBasis, bsplineBasisReference, bsrbfBasis, bsrbfBasisReference, chebyshevBasis, chebyshevBasisReference, fourierBasis, fourierBasisReference,
  gaussianRbfBasis, gaussianRbfBasisReference, rswafBasis, rswafBasisReference, uniformKnots,
} from './index.js';

const backends = await testBackends();

/** A basis under test: the fused op and its composition, on x [N, D] with constants made on `device`. */
interface Family {
  name: string;
  D: number;
  /** How many derivatives in x are not identically zero (2: at least two). */
  derivatives?: 0 | 1;
  make(device: Backend, dtype?: T.DType): { fused(x: Tensor): Tensor; reference(x: Tensor): Tensor; constants: Tensor[] };
}

function knotGrid(D: number, g: number, k: number, device: Backend, dtype: T.DType = 'float32', lo = -1, hi = 1): Tensor {
  const row = uniformKnots(g, k, lo, hi);
  const data = new Float64Array(D * row.length);
  for (let i = 0; i < D; i++) data.set(row.map((v) => v * (1 + 0.1 * i)), i * row.length);
  return T.tensor(data, { device, dtype, shape: [D, row.length] });
}

const FAMILIES: Family[] = [
  ...[0, 1, 3, 4, 5].map((k): Family => ({
    name: `B-spline order ${k}`,
    D: 6,
    ...(k < 2 ? { derivatives: k as 0 | 1 } : {}),
    make: (device, dtype) => {
      const grid = knotGrid(6, 5, k, device, dtype);
      return { fused: (x) => bsplineBasis(x, grid, k), reference: (x) => bsplineBasisReference(x, grid, k), constants: [grid] };
    },
  })),
  {
    name: 'Gaussian RBF',
    D: 7,
    make: (device, dtype) => {
      const c = T.linspace(-2, 2, 8, { device, dtype });
      return { fused: (x) => gaussianRbfBasis(x, c, 4 / 7), reference: (x) => gaussianRbfBasisReference(x, c, 4 / 7), constants: [c] };
    },
  },
  {
    name: 'RSWAF (s = 0.5)',
    D: 7,
    make: (device, dtype) => {
      const c = T.linspace(-1.2, 0.2, 8, { device, dtype });
      return { fused: (x) => rswafBasis(x, c, 0.5), reference: (x) => rswafBasisReference(x, c, 0.5), constants: [c] };
    },
  },
  ...[0, 4].map((d): Family => ({
    name: `Chebyshev degree ${d}`,
    D: 5,
    ...(d < 2 ? { derivatives: d as 0 | 1 } : {}),
    make: (device, dtype) => {
      const a = T.arange(0, d + 1, 1, { device, dtype });
      return { fused: (x) => chebyshevBasis(x, a), reference: (x) => chebyshevBasisReference(x, a), constants: [a] };
    },
  })),
  {
    name: 'Fourier g = 3',
    D: 4,
    make: (device, dtype) => {
      const f = T.tensor([1, 2, 3, -1, -2, -3], { device, dtype, shape: [2, 1, 1, 3] });
      return { fused: (x) => fourierBasis(x, f), reference: (x) => fourierBasisReference(x, f), constants: [f] };
    },
  },
  {
    name: 'BSRBF (B-spline + RBF)',
    D: 5,
    make: (device, dtype) => {
      const grid = knotGrid(5, 5, 3, device, dtype, -1.5, 1.5);
      const c = T.linspace(-1.5, 1.5, 8, { device, dtype });
      return { fused: (x) => bsrbfBasis(x, grid, 3, c, 3 / 7), reference: (x) => bsrbfBasisReference(x, grid, 3, c, 3 / 7), constants: [grid, c] };
    },
  },
];

async function relErr(a: Tensor, b: Tensor): Promise<number> {
  expect(a.shape).toEqual(b.shape);
  const [da, db] = [await a.data(), await b.data()];
  const scale = Array.from(db).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < da.length; i++) worst = Math.max(worst, Math.abs(da[i]! - db[i]!) / (scale + 1e-30));
  return worst;
}

describe.each(backends.map((b) => [b.name, b] as const))('fused bases against their composition on %s', (_name, device) => {
  const tol = device.name === 'cpu' ? 1e-6 : 1e-5;
  for (const f of FAMILIES) {
    test(`${f.name}: values, dL/dx and the second derivative`, async () => {
      T.manualSeed(f.D * 31 + f.name.length);
      const { fused, reference, constants } = f.make(device);
      // Values spread over and beyond the grids, and a few exactly on knots (0, +-0.4, +-1).
      const base = T.randn([33, f.D], { device, std: 1.1 });
      const onKnots = T.tensor([0, 0.4, -0.4, 1, -1, 0.4].slice(0, f.D).concat(new Array(Math.max(0, f.D - 6)).fill(0)), { device }).reshape([1, f.D]);
      const x = T.cat([base, onKnots], 0).detach();
      x.requiresGrad = true;
      const yf = fused(x);
      const yr = reference(x);
      expect(await relErr(yf, yr), 'values').toBeLessThan(tol);
      const g = T.randn(yf.shape as number[], { device });
      const order = f.derivatives ?? 2;
      const toDispose: Tensor[] = [base, onKnots, x, yf, yr, g, ...constants];
      if (order === 0) {
        // Piecewise constant: the fused op's gradient is exactly zero (the composition has none).
        const [dx] = T.gradients([yf], [x], [g]);
        expect(Math.max(...Array.from(await dx!.data()).map(Math.abs))).toBe(0);
        toDispose.push(dx!);
      } else {
        // The fused backward kernel (no createGraph), then the differentiable path (createGraph).
        const [dxk] = T.gradients([yf], [x], [g], { retainGraph: true });
        const [dxf] = T.gradients([yf], [x], [g], { createGraph: order > 1 });
        const [dxr] = T.gradients([yr], [x], [g], { createGraph: order > 1 });
        expect(await relErr(dxk!, dxr!), 'dL/dx (fused kernel)').toBeLessThan(10 * tol);
        expect(await relErr(dxf!, dxr!), 'dL/dx').toBeLessThan(10 * tol);
        toDispose.push(dxk!, dxf!, dxr!);
        if (order > 1) {
          const v = T.randn(x.shape as number[], { device });
          const [hf] = T.gradients([dxf!.mul(v).sum()], [x]);
          const [hr] = T.gradients([dxr!.mul(v).sum()], [x]);
          expect(await relErr(hf!, hr!), 'Hessian-vector product').toBeLessThan(10 * tol);
          toDispose.push(v, hf!, hr!);
        }
      }
      T.dispose(toDispose);
    });
  }

  test('B-spline bases of order 3 sum to 1 on the grid interior (partition of unity)', async () => {
    const grid = knotGrid(1, 5, 3, device);
    const x = T.linspace(-0.999, 0.999, 41, { device }).reshape([41, 1]);
    const s = bsplineBasis(x, grid, 3).sum(-1);
    for (const v of await s.data()) expect(v).toBeCloseTo(1, 5);
    T.dispose([grid, x, s]);
  });

  test('mismatched grids raise ShapeError naming the op', () => {
    const grid = knotGrid(3, 5, 3, device);
    const x = T.ones([4, 2], { device });
    expect(() => bsplineBasis(x, grid, 3)).toThrow(/bsplineBasis: grid must be \[D, G\] with D = 2/);
    expect(() => bsplineBasis(x.narrow(1, 0, 1), grid.narrow(0, 0, 1).narrow(1, 0, 4), 3)).toThrow(/has no basis function of order 3/);
    expect(() => gaussianRbfBasis(x, T.ones([2, 2], { device }), 1)).toThrow(T.ShapeError);
    T.dispose([grid, x]);
  });
});

describe('finite differences (cpu, float64)', () => {
  for (const f of FAMILIES) {
    test(`${f.name}`, async () => {
      const cpu = await T.initBackend('cpu');
      T.manualSeed(7);
      const x = T.randn([3, f.D], { device: cpu, dtype: 'float64', std: 0.9 });
      const report = await T.gradcheck((xi) => {
        const { fused, constants } = f.make(xi.backend, 'float64');
        const y = fused(xi);
        T.dispose(constants);
        return y;
      }, [x], { rtol: 1e-6, atol: 1e-8 });
      expect(report.ok, JSON.stringify(report.worst)).toBe(true);
      x.dispose();
    });
  }
});
