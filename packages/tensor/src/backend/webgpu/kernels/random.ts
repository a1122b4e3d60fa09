import type { View } from '../../kernel.js';
import type { GpuBuffer } from '../pool.js';
import { scalarBits } from './elementwise.js';
import { LINEAR_INDEX, metaDecl, storageType } from '../wgsl.js';
import { grid2d, type Program } from './program.js';

const WG = 256;
const cache = new Map<string, string>();

/** Philox4x32-10 in WGSL, word for word the arithmetic of backend/philox.ts. */
const PHILOX = `
fn mulhi32(a: u32, b: u32) -> u32 {
  let aLo = a & 0xffffu; let aHi = a >> 16u; let bLo = b & 0xffffu; let bHi = b >> 16u;
  let t = aHi * bLo + ((aLo * bLo) >> 16u);
  let w1 = (t & 0xffffu) + aLo * bHi;
  return aHi * bHi + (t >> 16u) + (w1 >> 16u);
}
fn philox2(i: u32, offset: u32, k0: u32, k1: u32) -> vec2<u32> {
  var c0 = i; var c1 = offset; var c2 = 0u; var c3 = 0u;
  var key0 = k0; var key1 = k1;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi32(0xd2511f53u, c0); let lo0 = 0xd2511f53u * c0;
    let hi1 = mulhi32(0xcd9e8d57u, c2); let lo1 = 0xcd9e8d57u * c2;
    c0 = hi1 ^ c1 ^ key0; c1 = lo1; c2 = hi0 ^ c3 ^ key1; c3 = lo0;
    key0 = key0 + 0x9e3779b9u; key1 = key1 + 0xbb67ae85u;
  }
  return vec2<u32>(c0, c1);
}`;

/** Meta: n, counter offset, key0, key1, scalar0, scalar1, out offset, 0. Output is contiguous. */
export function randomProgram(dist: 'uniform' | 'normal' | 'randint', seed: readonly [number, number], offset: number, out: View<GpuBuffer>, scalars: readonly number[], maxPerDim: number): Program {
  const n = out.shape.reduce((a, b) => a * b, 1);
  const sType = dist === 'randint' ? 'int32' : 'float32';
  // The last word is always 0: see the uniform case.
  const meta = [n, offset, seed[0], seed[1], scalarBits(scalars[0] ?? 0, sType), scalarBits(scalars[1] ?? 1, sType), out.offset, 0];
  const T = storageType(out.dtype);
  let value: string;
  if (dist === 'uniform') {
    // The product is rounded on its own, as on the cpu backend: xor with a meta word that is 0
    // but unknown to the compiler keeps GPU compilers from fusing it into the add (an FMA, one
    // rounding: NVIDIA's were 1 ulp off the cpu bits).
    value =
      'let lo = bitcast<f32>(M(4u)); let hi = bitcast<f32>(M(5u)); let p = bitcast<f32>(bitcast<u32>((hi - lo) * (f32(r.x >> 8u) * 5.9604644775390625e-8)) ^ M(7u)); let v = lo + p;';
  } else if (dist === 'normal') {
    value = `let u1 = f32((r.x >> 8u) + 1u) * 5.9604644775390625e-8;
  let u2 = f32(r.y >> 8u) * 5.9604644775390625e-8;
  let v = bitcast<f32>(M(4u)) + bitcast<f32>(M(5u)) * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);`;
  } else {
    value = 'let v = bitcast<i32>(M(4u)) + bitcast<i32>(mulhi32(r.x, M(5u)));';
  }
  const source =
    cache.get(dist) ??
    `${metaDecl(meta.length)}
@group(0) @binding(1) var<storage, read_write> out: array<${T}>;
${PHILOX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lin = ${LINEAR_INDEX(WG)};
  if (lin >= M(0u)) { return; }
  let r = philox2(lin, M(1u), M(2u), M(3u));
  ${value}
  out[M(6u) + lin] = v;
}`;
  cache.set(dist, source);
  return { source, meta, grid: grid2d(Math.ceil(n / WG), maxPerDim), outputs: [out], inputs: [] };
}
