import { ValueError } from '@nonlinear/tensor';

/**
 * Host-side float64 pieces of the spline refits (grid update, grid extension, initialisation):
 * the B-spline basis of one scalar and a regularised least-squares solve. They run on the CPU in
 * float64 whatever the layer's backend, because the systems are small (one per input feature,
 * g + k unknowns) and the refit must not depend on a GPU's least-squares driver.
 */

/**
 * The n = G - k - 1 B-spline bases of order k at v over knots[off .. off + G - 1] (one grid row),
 * into out[0..n-1]: the same half-open indicator and recursion as the device kernel, in float64.
 */
export function bsplineRow(v: number, knots: ArrayLike<number>, off: number, G: number, k: number, out: Float64Array): void {
  const b = new Float64Array(G - 1);
  for (let m = 0; m < G - 1; m++) b[m] = v >= knots[off + m]! && v < knots[off + m + 1]! ? 1 : 0;
  for (let p = 1; p <= k; p++) {
    for (let m = 0; m < G - 1 - p; m++) {
      const t0 = knots[off + m]!;
      const t1 = knots[off + m + 1]!;
      const tp = knots[off + m + p]!;
      const tp1 = knots[off + m + p + 1]!;
      b[m] = ((v - t0) / (tp - t0)) * b[m]! + ((tp1 - v) / (tp1 - t1)) * b[m + 1]!;
    }
  }
  for (let j = 0; j < G - k - 1; j++) out[j] = b[j]!;
}

/** Cholesky factorisation of the symmetric positive definite n x n matrix a, in place (lower). */
function cholesky(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let p = 0; p < j; p++) d -= a[j * n + p]! * a[j * n + p]!;
    if (!(d > 0)) throw new ValueError(`leastSquares: the regularised normal matrix is not positive definite (pivot ${d} at ${j}); the samples hold NaN or Inf`);
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let p = 0; p < j; p++) s -= a[i * n + p]! * a[j * n + p]!;
      a[i * n + j] = s / l;
    }
  }
}

/** Solves L L^T X = B in place for the r columns of b [n, r]. */
function choleskySolve(l: Float64Array, n: number, b: Float64Array, r: number): void {
  for (let c = 0; c < r; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[i * r + c]!;
      for (let p = 0; p < i; p++) s -= l[i * n + p]! * b[p * r + c]!;
      b[i * r + c] = s / l[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i * r + c]!;
      for (let p = i + 1; p < n; p++) s -= l[p * n + i]! * b[p * r + c]!;
      b[i * r + c] = s / l[i * n + i]!;
    }
  }
}

/**
 * The relative ridge added to the diagonal of the normal matrix: small enough to leave a
 * well-posed fit unchanged to about 1e-10, large enough that a basis no sample reaches (a zero
 * column, the rank-deficient case) gets a zero coefficient instead of a division by zero.
 */
export const RIDGE = 1e-10;

/**
 * Least squares in float64 for A [m, n] (row-major) and r right-hand sides Y [m, r]: the X [n, r]
 * minimising |A X - Y|^2 + lambda |X|^2 with lambda = RIDGE * trace / size. For m >= n through
 * the normal equations (A^T A + lambda I) X = A^T Y; for m < n (more unknowns than samples) the
 * minimum-norm form X = A^T (A A^T + lambda I)^-1 Y, which is what torch.linalg.lstsq returns for
 * an underdetermined system. Both by Cholesky; the ridge keeps rank-deficient systems solvable.
 */
export function leastSquares(a: Float64Array, m: number, n: number, y: Float64Array, r: number): Float64Array {
  if (m >= n) {
    const g = new Float64Array(n * n);
    const rhs = new Float64Array(n * r);
    for (let s = 0; s < m; s++) {
      for (let i = 0; i < n; i++) {
        const ai = a[s * n + i]!;
        if (ai === 0) continue;
        for (let j = 0; j <= i; j++) g[i * n + j] += ai * a[s * n + j]!;
        for (let c = 0; c < r; c++) rhs[i * r + c] += ai * y[s * r + c]!;
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[j * n + i] = g[i * n + j]!;
    addRidge(g, n);
    cholesky(g, n);
    choleskySolve(g, n, rhs, r);
    return rhs;
  }
  const g = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let p = 0; p < n; p++) s += a[i * n + p]! * a[j * n + p]!;
    g[i * m + j] = s;
  }
  addRidge(g, m);
  cholesky(g, m);
  const z = Float64Array.from(y);
  choleskySolve(g, m, z, r);
  const x = new Float64Array(n * r);
  for (let s = 0; s < m; s++) for (let i = 0; i < n; i++) {
    const ai = a[s * n + i]!;
    if (ai === 0) continue;
    for (let c = 0; c < r; c++) x[i * r + c] += ai * z[s * r + c]!;
  }
  return x;
}

function addRidge(g: Float64Array, n: number): void {
  let tr = 0;
  for (let i = 0; i < n; i++) tr += g[i * n + i]!;
  const lambda = RIDGE * (tr > 0 ? tr / n : 1);
  for (let i = 0; i < n; i++) g[i * n + i] += lambda;
}

/**
 * The spline refit of one input feature: new coefficients X [n, r] whose spline on the bases
 * A [m, n] (new grid, m samples) fits the old functions A0 C0 (A0 [m, n0] the old bases at the
 * same samples, C0 [n0, r] the old coefficients of the r output edges). Without forming A0 C0
 * ([m, r], large for many samples and outputs) when m >= n: the right-hand side is
 * (A^T A0) C0.
 */
export function refitSpline(a: Float64Array, m: number, n: number, a0: Float64Array, n0: number, c0: Float64Array, r: number): Float64Array {
  if (m < n) {
    const y = new Float64Array(m * r);
    for (let s = 0; s < m; s++) for (let j = 0; j < n0; j++) {
      const v = a0[s * n0 + j]!;
      if (v === 0) continue;
      for (let c = 0; c < r; c++) y[s * r + c] += v * c0[j * r + c]!;
    }
    return leastSquares(a, m, n, y, r);
  }
  const g = new Float64Array(n * n);
  const cross = new Float64Array(n * n0);
  for (let s = 0; s < m; s++) {
    for (let i = 0; i < n; i++) {
      const ai = a[s * n + i]!;
      if (ai === 0) continue;
      for (let j = 0; j <= i; j++) g[i * n + j] += ai * a[s * n + j]!;
      for (let j = 0; j < n0; j++) cross[i * n0 + j] += ai * a0[s * n0 + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[j * n + i] = g[i * n + j]!;
  const rhs = new Float64Array(n * r);
  for (let i = 0; i < n; i++) for (let j = 0; j < n0; j++) {
    const v = cross[i * n0 + j]!;
    if (v === 0) continue;
    for (let c = 0; c < r; c++) rhs[i * r + c] += v * c0[j * r + c]!;
  }
  addRidge(g, n);
  cholesky(g, n);
  choleskySolve(g, n, rhs, r);
  return rhs;
}
