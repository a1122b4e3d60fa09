import type { DType } from '../../dtype.js';
import { BackendError } from '../../errors.js';

/** WGSL storage and value types of each dtype. bool is stored as u32 0/1 and used as bool. */
export function storageType(dtype: DType): string {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    case 'float64':
      throw new BackendError('webgpu: float64 is not supported by WGSL; use the cpu backend for float64');
  }
}

export function valueType(dtype: DType): string {
  return dtype === 'bool' ? 'bool' : storageType(dtype);
}

/** Reads element `idx` of binding `buf` as a value of `dtype`. */
export function load(buf: string, idx: string, dtype: DType): string {
  return dtype === 'bool' ? `(${buf}[${idx}] != 0u)` : `${buf}[${idx}]`;
}

export function store(value: string, dtype: DType): string {
  return dtype === 'bool' ? `select(0u, 1u, ${value})` : value;
}

/** The uniform block every kernel reads its sizes, strides and scalars from, as u32 words. */
export function metaDecl(words: number): string {
  const vecs = Math.max(1, Math.ceil(words / 4));
  return `@group(0) @binding(0) var<uniform> nl_meta: array<vec4<u32>, ${vecs}>;
fn M(i: u32) -> u32 { return nl_meta[i >> 2u][i & 3u]; }
fn MI(i: u32) -> i32 { return bitcast<i32>(M(i)); }`;
}

/** Bytes of the meta binding for `words` u32 words (uniform arrays of vec4). */
export function metaBytes(words: number): number {
  return Math.max(1, Math.ceil(words / 4)) * 16;
}

/** Linear invocation index for 1-D work dispatched as a 2-D grid (each dimension is capped at 65535). */
export const LINEAR_INDEX = (wg: number): string => `gid.x + gid.y * nwg.x * ${wg}u`;

/**
 * Scalar helpers the expression code generator and kernels call. WGSL leaves NaN and infinity
 * behaviour of many builtins undefined, so these pin down IEEE/PyTorch semantics explicitly.
 * Infinity and NaN come from a `var` so they are never const-evaluated (a shader-creation error).
 * Special cases are patched in with select() rather than branches: CPU Vulkan (lavapipe) runs
 * invocations as SIMD lanes, where each data-dependent branch costs masks and control flow (the
 * branchy exp alone made a fused 8-op chain about 1.3x slower there); GPUs lose nothing, as no
 * helper selects between two costly paths. pow keeps its branches (its cases are many and rare).
 */
export const PRELUDE = `
fn nl_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nl_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn nl_inf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn nl_nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn nl_signbit(x: f32) -> bool { return (bitcast<u32>(x) >> 31u) == 1u; }
fn nl_max(a: f32, b: f32) -> f32 { return select(max(a, b), nl_nan(), nl_isnan(a) || nl_isnan(b)); }
fn nl_min(a: f32, b: f32) -> f32 { return select(min(a, b), nl_nan(), nl_isnan(a) || nl_isnan(b)); }
fn nl_exp(x: f32) -> f32 {
  // Some drivers overflow inside exp well before the float32 limit (exp(88) = 1.65e38):
  // above 80, square exp(x / 2).
  let big = x > 80.0;
  let e = exp(select(x, 0.5 * min(x, 88.8), big));
  var r = select(e, e * e, big);
  r = select(r, nl_inf(), x > 88.72284);
  r = select(r, 0.0, x < -103.97208);
  return select(r, x, nl_isnan(x));
}
fn nl_log(x: f32) -> f32 {
  var r = select(log(x), x, nl_isinf(x));
  r = select(r, -nl_inf(), x == 0.0);
  return select(r, nl_nan(), nl_isnan(x) || x < 0.0);
}
fn nl_sqrt(x: f32) -> f32 {
  let r = select(sqrt(x), x, nl_isinf(x) || x == 0.0);
  return select(r, nl_nan(), nl_isnan(x) || x < 0.0);
}
// sin and cos of |x| <= 8192: Cody-Waite reduction by pi/4 in three parts, then the minimax
// polynomials of Cephes' sinf/cosf (about 1 ulp); quarter = 1 turns sin into cos. Driver sin
// and cos are specified only to 2^-11 absolute error (NVIDIA's was 4e-6 off at x = 88).
// Beyond 8192 the driver's (no Payne-Hanek reduction here either): a known limit.
fn nl_sincos(ax: f32, quarter: u32) -> f32 {
  let j = (u32(ax * 1.2732395447351628) + 1u) & 0xfffffffeu;
  let y = f32(j);
  let r = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let z = r * r;
  let s = r + r * z * ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1);
  let c = 1.0 - 0.5 * z + z * z * ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2);
  let q = ((j >> 1u) + quarter) & 3u;
  let v = select(s, c, (q & 1u) == 1u);
  return select(v, -v, q >= 2u);
}
fn nl_sin(x: f32) -> f32 {
  let ax = abs(x);
  // sin is odd: the sign bit of x on sin |x| (so sin -0 is -0).
  let v = bitcast<f32>(bitcast<u32>(nl_sincos(min(ax, 8192.0), 0u)) ^ (bitcast<u32>(x) & 0x80000000u));
  return select(select(sin(x), v, ax <= 8192.0), nl_nan(), nl_isinf(x));
}
fn nl_cos(x: f32) -> f32 {
  let ax = abs(x);
  return select(select(cos(x), nl_sincos(min(ax, 8192.0), 1u), ax <= 8192.0), nl_nan(), nl_isinf(x));
}
fn nl_expm1(x: f32) -> f32 {
  // |x| < 0.5: Taylor to x^9 (truncation under 1e-9 relative), free of the cancellation in
  // exp(x) - 1; beyond, exp(x) - 1 costs at most a few ulp.
  let p = x + x * x * (0.5 + x * (0.166666667 + x * (0.0416666667 + x * (0.00833333333 + x * (0.00138888889 + x * (0.000198412698 + x * (2.48015873e-5 + x * 2.75573192e-6)))))));
  let r = select(nl_exp(x) - 1.0, p, abs(x) < 0.5);
  return select(r, x, nl_isnan(x));
}
fn nl_log1p(x: f32) -> f32 {
  let u = 1.0 + x;
  // Near 0: 2 atanh(s), s = x / (2 + x), by its series (|s| <= 0.17, truncation under 1e-9):
  // driver logs are only specified to an absolute 2^-21 near 1, too coarse for small results.
  let s = x / (2.0 + x);
  let s2 = s * s;
  let near = 2.0 * s * (1.0 + s2 * (0.333333333 + s2 * (0.2 + s2 * (0.142857143 + s2 * (0.111111111 + s2 * (0.0909090909 + s2 * 0.0769230769))))));
  // Elsewhere Kahan's log(u) * x / (u - 1) cancels the rounding of 1 + x.
  var r = select(log(u) * x / (u - 1.0), near, x > -0.29 && x < 0.41);
  r = select(r, select(nl_nan(), -nl_inf(), u == 0.0), u <= 0.0);
  return select(r, x, nl_isnan(x) || (nl_isinf(x) && x > 0.0));
}
fn nl_tanh(x: f32) -> f32 {
  // |x| < 0.625: x + x^3 p(x^2), a minimax fit (under 1 ulp in float32, exact near 0).
  // Beyond: 1 - 2 / (e^2|x| + 1), one exp (the error of e shrinks there, under 1.3 ulp with an
  // exact exp); past |x| = 15 it rounds to 1.
  let a = abs(x);
  let x2 = x * x;
  let p = x + x * x2 * (-0.333332419 + x2 * (0.133305907 + x2 * (-0.0536786728 + x2 * (0.0204620063 - x2 * 0.00552517967))));
  let t = 1.0 - 2.0 / (exp(2.0 * min(a, 15.0)) + 1.0);
  let r = select(select(t, -t, x < 0.0), p, a < 0.625);
  // NaN, and -0 (whose square makes p +0).
  return select(r, x, nl_isnan(x) || x == 0.0);
}
fn nl_erf(x: f32) -> f32 {
  let a = abs(x);
  let x2 = x * x;
  let small = 1.1283791671 * x * (1.0 + x2 * (-0.333333333 + x2 * (0.1 + x2 * (-0.0238095238 + x2 * (0.00462962963 - x2 * 0.000757575758)))));
  // erfc by the Chebyshev fit of Numerical Recipes (fractional error below 1.2e-7).
  let t = 1.0 / (1.0 + 0.5 * a);
  let p = -a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let large = select(1.0 - t * exp(p), 1.0, a > 4.0);
  let r = select(select(large, -large, x < 0.0), small, a < 0.5);
  return select(r, x, nl_isnan(x));
}
fn nl_sign(x: f32) -> f32 { return select(sign(x), 0.0, nl_isnan(x)); }
fn nl_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0 || x == 1.0) { return 1.0; }
  if (nl_isnan(x) || nl_isnan(y)) { return nl_nan(); }
  let yint = floor(y) == y;
  let yodd = yint && abs(y) < 16777216.0 && (i32(y) & 1) == 1;
  if (x < 0.0 && !yint && !nl_isinf(x)) { return nl_nan(); }
  let a = abs(x);
  var r: f32;
  if (a == 0.0) {
    r = select(nl_inf(), 0.0, y > 0.0);
  } else if (nl_isinf(a)) {
    r = select(0.0, nl_inf(), y > 0.0);
  } else if (nl_isinf(y)) {
    if (a == 1.0) { r = 1.0; } else { r = select(0.0, nl_inf(), (a > 1.0) == (y > 0.0)); }
  } else {
    r = pow(a, y);
  }
  return select(r, -r, nl_signbit(x) && yodd);
}
`;
