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
 */
export const PRELUDE = `
fn nl_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nl_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn nl_inf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn nl_nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn nl_signbit(x: f32) -> bool { return (bitcast<u32>(x) >> 31u) == 1u; }
fn nl_max(a: f32, b: f32) -> f32 { if (nl_isnan(a) || nl_isnan(b)) { return nl_nan(); } return max(a, b); }
fn nl_min(a: f32, b: f32) -> f32 { if (nl_isnan(a) || nl_isnan(b)) { return nl_nan(); } return min(a, b); }
fn nl_exp(x: f32) -> f32 {
  if (nl_isnan(x)) { return x; }
  if (x > 88.72284) { return nl_inf(); }
  if (x < -103.97208) { return 0.0; }
  // Some drivers overflow inside exp well before the float32 limit (exp(88) = 1.65e38).
  if (x > 80.0) { let h = exp(0.5 * x); return h * h; }
  return exp(x);
}
fn nl_log(x: f32) -> f32 {
  if (nl_isnan(x) || x < 0.0) { return nl_nan(); }
  if (x == 0.0) { return -nl_inf(); }
  if (nl_isinf(x)) { return x; }
  return log(x);
}
fn nl_sqrt(x: f32) -> f32 {
  if (nl_isnan(x) || x < 0.0) { return nl_nan(); }
  if (nl_isinf(x) || x == 0.0) { return x; }
  return sqrt(x);
}
// Driver sin/cos lose accuracy beyond |x| ~ 1e4 (no Payne-Hanek reduction): a known limit.
fn nl_sin(x: f32) -> f32 { if (nl_isinf(x)) { return nl_nan(); } return sin(x); }
fn nl_cos(x: f32) -> f32 { if (nl_isinf(x)) { return nl_nan(); } return cos(x); }
fn nl_expm1(x: f32) -> f32 {
  if (nl_isnan(x)) { return x; }
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  let u = nl_exp(x);
  // Beyond 20, exp(x) - 1 rounds to exp(x); Kahan's correction below would overflow.
  if (x > 20.0) { return u; }
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * x / log(u);
}
fn nl_log1p(x: f32) -> f32 {
  if (nl_isnan(x)) { return x; }
  if (nl_isinf(x) && x > 0.0) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  if (u <= 0.0) { return nl_log(u); }
  return log(u) * x / (u - 1.0);
}
fn nl_tanh(x: f32) -> f32 {
  if (nl_isnan(x)) { return x; }
  let a = min(abs(x), 15.0);
  let e = nl_expm1(2.0 * a);
  let t = e / (e + 2.0);
  return select(t, -t, x < 0.0);
}
fn nl_erf(x: f32) -> f32 {
  if (nl_isnan(x)) { return x; }
  let a = abs(x);
  if (a < 0.5) {
    let x2 = x * x;
    return 1.1283791671 * x * (1.0 + x2 * (-0.333333333 + x2 * (0.1 + x2 * (-0.0238095238 + x2 * (0.00462962963 - x2 * 0.000757575758)))));
  }
  if (a > 4.0) { return select(1.0, -1.0, x < 0.0); }
  // erfc by the Chebyshev fit of Numerical Recipes (fractional error below 1.2e-7).
  let t = 1.0 / (1.0 + 0.5 * a);
  let p = -a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let r = 1.0 - t * exp(p);
  return select(r, -r, x < 0.0);
}
fn nl_sign(x: f32) -> f32 { if (nl_isnan(x)) { return 0.0; } return sign(x); }
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
