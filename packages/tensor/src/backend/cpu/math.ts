/**
 * Scalar functions JavaScript lacks, in float64. The cpu backend is the reference the webgpu
 * backend and the gradient checker are measured against, so these aim at full double precision.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * erf(x) to about 1e-15: a Taylor series near 0, a continued fraction for erfc further out.
 * JavaScript has no Math.erf; the package exports this one as `erfScalar` (the tensor op is `erf`)
 * for float64 scalar code that must agree with the cpu backend.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 1.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
  let f = ax;
  for (let n = 120; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** Round half to even, as PyTorch's round and WGSL's round do (Math.round rounds half up). */
export function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** pow with C/PyTorch special cases: pow(x, 0) = 1 and pow(1, y) = 1 even for NaN. */
export function pow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  // C and PyTorch: pow(-1, +-inf) = 1, where JavaScript gives NaN.
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Float to int32 the way WGSL converts: truncate toward zero, saturate, NaN to 0. */
export function toInt32(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x >= 2147483647) return 2147483647;
  if (x <= -2147483648) return -2147483648;
  return Math.trunc(x) | 0;
}
