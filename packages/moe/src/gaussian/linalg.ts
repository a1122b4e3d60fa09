/**
 * Solves the symmetric system (A + lambda I) x = rhs by Cholesky, A dense (m m) row-major.
 * Returns false (and leaves x unspecified) when a pivot is not clearly positive, which is how
 * callers detect an indefinite or singular matrix. Small m (gate and expert blocks): no BLAS.
 */
export function choleskySolve(A: Float64Array, m: number, rhs: Float64Array, x: Float64Array, lambda = 0): boolean {
  const L = new Float64Array(m * m);
  let maxDiag = 0;
  for (let i = 0; i < m; i++) maxDiag = Math.max(maxDiag, Math.abs(A[i * m + i]! + lambda));
  const tiny = maxDiag * 1e-14;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * m + j]! + (i === j ? lambda : 0);
      for (let q = 0; q < j; q++) s -= L[i * m + q]! * L[j * m + q]!;
      if (i === j) {
        if (!(s > tiny)) return false;
        L[i * m + i] = Math.sqrt(s);
      } else L[i * m + j] = s / L[j * m + j]!;
    }
  }
  for (let i = 0; i < m; i++) {
    let s = rhs[i]!;
    for (let q = 0; q < i; q++) s -= L[i * m + q]! * x[q]!;
    x[i] = s / L[i * m + i]!;
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let q = i + 1; q < m; q++) s -= L[q * m + i]! * x[q]!;
    x[i] = s / L[i * m + i]!;
  }
  return true;
}
