import { ValueError } from '@nonlinear/tensor';

/**
 * Point sets on [0, 1]^d, row-major [N * d] Float64Arrays: tensor-product grids (for sup norms:
 * every point of the cube is within h sqrt(d) / 2 of a grid point) and Halton sequences (for
 * quasi-Monte Carlo integrals: discrepancy O(log(N)^d / N)).
 */

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71];

/** The radical inverse of i in base b (van der Corput). */
function radicalInverse(i: number, b: number): number {
  let f = 1;
  let r = 0;
  while (i > 0) {
    f /= b;
    r += f * (i % b);
    i = Math.floor(i / b);
  }
  return r;
}

/**
 * N points of the d-dimensional Halton sequence (bases 2, 3, 5, ...), starting at index
 * `skip + 1` (index 0 is the origin). With `shift` (one number in [0, 1) per coordinate) each
 * point is moved by it modulo 1: a Cranley-Patterson rotation, which makes the QMC estimate
 * unbiased so independent shifts give an error estimate.
 */
export function haltonPoints(n: number, dim: number, options: { skip?: number; shift?: readonly number[] } = {}): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`haltonPoints: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(dim) || dim < 1 || dim > PRIMES.length) throw new ValueError(`haltonPoints: dim must be an integer in [1, ${PRIMES.length}], got ${dim}`);
  const skip = options.skip ?? 0;
  const shift = options.shift;
  if (shift && shift.length !== dim) throw new ValueError(`haltonPoints: shift needs ${dim} entries, got ${shift.length}`);
  const out = new Float64Array(n * dim);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < dim; i++) {
      const v = radicalInverse(j + 1 + skip, PRIMES[i]!) + (shift ? shift[i]! : 0);
      out[j * dim + i] = v - Math.floor(v);
    }
  }
  return out;
}

/** The m^d points of the uniform grid {0, 1/(m-1), ..., 1}^d (m >= 2), the last coordinate fastest. */
export function gridPoints(m: number, dim: number): Float64Array {
  if (!Number.isInteger(m) || m < 2) throw new ValueError(`gridPoints: m must be an integer >= 2, got ${m}`);
  if (!Number.isInteger(dim) || dim < 1) throw new ValueError(`gridPoints: dim must be a positive integer, got ${dim}`);
  const n = m ** dim;
  const out = new Float64Array(n * dim);
  for (let j = 0; j < n; j++) {
    let r = j;
    for (let i = dim - 1; i >= 0; i--) {
      out[j * dim + i] = (r % m) / (m - 1);
      r = Math.floor(r / m);
    }
  }
  return out;
}

/** The largest m with m^d <= budget (at least 2). */
export function gridSide(budget: number, dim: number): number {
  let m = Math.max(2, Math.floor(budget ** (1 / dim)));
  while (m > 2 && m ** dim > budget) m--;
  while ((m + 1) ** dim <= budget) m++;
  return m;
}
