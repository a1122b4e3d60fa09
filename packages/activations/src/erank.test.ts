import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { effectiveRank, effectiveRankOf, singularValuesOf, symmetricEigenvalues } from './index.js';

describe('Jacobi eigenvalues and effective rank', () => {
  test('eigenvalues of known symmetric matrices', () => {
    expect(Array.from(symmetricEigenvalues([2, 1, 1, 2], 2)).map((v) => +v.toFixed(12))).toEqual([3, 1]);
    // Tridiagonal [2, -1] of size n: eigenvalues 2 - 2 cos(k pi / (n + 1)).
    const n = 12;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
    }
    const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((x, y) => y - x);
    symmetricEigenvalues(a, n).forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-13));
    expect(Array.from(symmetricEigenvalues([], 0))).toEqual([]);
    expect(() => symmetricEigenvalues([1, 2, 3], 2)).toThrow(/2 x 2/);
  });

  test('singular values of a matrix built from known ones (Q1 diag(s) Q2^T), both orientations', () => {
    // Householder reflections are orthogonal: H = I - 2 v v^T / |v|^2.
    const householder = (n: number, seed: number): Float64Array => {
      const v = Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) + 0.1);
      const vv = v.reduce((s, x) => s + x * x, 0);
      const h = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = (i === j ? 1 : 0) - (2 * v[i]! * v[j]!) / vv;
      return h;
    };
    const [m, k] = [7, 4];
    const s = [5, 2, 0.5, 0.125];
    const q1 = householder(m, 1);
    const q2 = householder(k, 2);
    const w = new Float64Array(m * k);
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += q1[i * m + t]! * s[t]! * q2[j * k + t]!;
      w[i * k + j] = acc;
    }
    singularValuesOf(w, m, k).forEach((v, i) => expect(Math.abs(v - s[i]!)).toBeLessThan(1e-12));
    const wt = new Float64Array(k * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) wt[j * m + i] = w[i * k + j]!;
    singularValuesOf(wt, k, m).forEach((v, i) => expect(Math.abs(v - s[i]!)).toBeLessThan(1e-12));
  });

  test('erank is 1 for rank one, n for equal singular values, exp(entropy) in between', async () => {
    expect(effectiveRankOf([3, 0, 0])).toBeCloseTo(1, 12);
    expect(effectiveRankOf([2, 2, 2, 2])).toBeCloseTo(4, 12);
    const p = [0.5, 0.25, 0.25];
    expect(effectiveRankOf([2, 1, 1])).toBeCloseTo(Math.exp(-p.reduce((h, q) => h + q * Math.log(q), 0)), 12);
    expect(effectiveRankOf([0, 0])).toBe(0);
    const eye = T.eye(6);
    expect(await effectiveRank(eye)).toBeCloseTo(6, 10);
    const outer = T.tensor([[1, 2, 3], [2, 4, 6]]);
    expect(await effectiveRank(outer)).toBeCloseTo(1, 6);
    T.dispose([eye, outer]);
  });
});
