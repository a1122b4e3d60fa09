import { ShapeError, ValueError, type Tensor } from '@nonlinear/tensor';

/**
 * Effective rank of weight matrices (Roy & Vetterli, 2007), the analysis of section 4 of the
 * PolyCom paper: `erank(W) = exp(-sum_k p_k ln p_k)` with `p_k = sigma_k / sum_j sigma_j` over
 * the singular values of W. Everything runs in float64 on the host: singular values are the
 * square roots of the eigenvalues of the smaller Gram matrix (W^T W or W W^T), found by the
 * cyclic Jacobi method below.
 */

/**
 * Eigenvalues of a symmetric n x n matrix (row-major; only symmetry is assumed, the input is
 * not modified) by the cyclic Jacobi method in float64, sorted in decreasing order. Accurate to
 * a few ulps of the largest eigenvalue; O(n^3) per sweep, a handful of sweeps.
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number, options: { maxSweeps?: number } = {}): Float64Array {
  if (!Number.isInteger(n) || n < 0 || matrix.length !== n * n) throw new ShapeError(`symmetricEigenvalues: expected ${n} x ${n} = ${n * n} entries, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  const maxSweeps = options.maxSweeps ?? 100;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      a[i * n + j] = s;
      a[j * n + i] = s;
    }
  }
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i]! * a[i]!;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += 2 * a[i * n + j]! * a[i * n + j]!;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, the stable form of tan).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => a[i * n + i]!).sort().reverse();
}

/**
 * Singular values of a rows x cols matrix (row-major), in float64, decreasing: the square roots
 * of the eigenvalues of the Gram matrix of the smaller side (negative round-off clamped to 0).
 */
export function singularValuesOf(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  if (data.length !== rows * cols) throw new ShapeError(`singularValuesOf: expected ${rows} x ${cols} = ${rows * cols} entries, got ${data.length}`);
  const w = Float64Array.from(data);
  const byCols = cols <= rows;
  const n = byCols ? cols : rows;
  const m = byCols ? rows : cols;
  const at = byCols ? (k: number, i: number) => w[k * cols + i]! : (k: number, i: number) => w[i * cols + k]!;
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += at(k, i) * at(k, j);
      gram[i * n + j] = s;
      gram[j * n + i] = s;
    }
  }
  return symmetricEigenvalues(gram, n).map((e) => Math.sqrt(Math.max(e, 0)));
}

/**
 * exp(entropy) of the normalised singular values: between 1 (rank one) and min(rows, cols)
 * (all singular values equal). A zero matrix has effective rank 0.
 */
export function effectiveRankOf(singularValues: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < singularValues.length; i++) {
    const s = singularValues[i]!;
    if (!(s >= 0)) throw new ValueError(`effectiveRankOf: singular values must be >= 0, got ${s}`);
    total += s;
  }
  if (total === 0) return 0;
  let h = 0;
  for (let i = 0; i < singularValues.length; i++) {
    const p = singularValues[i]! / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/** Singular values of a 2-D tensor (any backend and float dtype; read back to the host). */
export async function singularValues(w: Tensor): Promise<Float64Array> {
  if (w.ndim !== 2) throw new ShapeError(`singularValues: expected a matrix, got shape [${w.shape.join(', ')}]`);
  return singularValuesOf(await w.data(), w.shape[0]!, w.shape[1]!);
}

/** The effective rank of a 2-D tensor, `exp(-sum p_k ln p_k)` over its normalised singular values. */
export async function effectiveRank(w: Tensor): Promise<number> {
  return effectiveRankOf(await singularValues(w));
}
