import type { DType } from '../../../dtype.js';
import type { View } from '../../kernel.js';
import type { GpuBuffer } from '../pool.js';
import { metaDecl, storageType } from '../wgsl.js';
import { bindings, type Program } from './program.js';

const TILE = 4;
const WG = 8;

/**
 * Batched C = A B over strided operands, so transposed inputs need no copy. Each invocation
 * keeps a 4x4 block of C in registers and walks K once; with no workgroup memory this is the
 * shape that runs well on CPU-emulated Vulkan (lavapipe) and acceptably on real GPUs.
 */
export function matmulProgram(a: View<GpuBuffer>, b: View<GpuBuffer>, out: View<GpuBuffer>, maxPerDim: number): Program {
  const nd = out.shape.length;
  const M = out.shape[nd - 2]!;
  const N = out.shape[nd - 1]!;
  const K = a.shape[nd - 1]!;
  const batchShape = out.shape.slice(0, nd - 2);
  const nb = batchShape.length;
  const batch = batchShape.reduce((x, y) => x * y, 1);
  const meta = [
    M, N, K, batch,
    a.offset, a.strides[nd - 2]!, a.strides[nd - 1]!,
    b.offset, b.strides[nd - 2]!, b.strides[nd - 1]!,
    out.offset, 0,
    ...batchShape, ...a.strides.slice(0, nb), ...b.strides.slice(0, nb),
  ];
  const gx = Math.ceil(N / (TILE * WG));
  const gy = Math.ceil(M / (TILE * WG));
  if (batch > maxPerDim) throw new RangeError(`matmul: ${batch} batches exceed the device's ${maxPerDim} workgroups per dimension`);
  return { source: matmulSource(out.dtype, nb, meta.length), meta, grid: [gx, gy, batch], outputs: [out], inputs: [a, b] };
}

const cache = new Map<string, string>();

function matmulSource(dtype: DType, nb: number, words: number): string {
  const key = `${dtype}|${nb}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const T = storageType(dtype);
  const batchLines: string[] = ['var pa: i32 = MI(4u);', 'var pb: i32 = MI(7u);', 'var rem: u32 = gid.z;'];
  for (let d = nb - 1; d >= 0; d--) {
    batchLines.push(`{ let c = i32(rem % M(${12 + d}u)); rem = rem / M(${12 + d}u); pa += c * MI(${12 + nb + d}u); pb += c * MI(${12 + 2 * nb + d}u); }`);
  }
  const src = `${metaDecl(words)}
${bindings([{ name: 'C', type: T }], [{ name: 'A', type: T }, { name: 'B', type: T }])}
@compute @workgroup_size(${WG}, ${WG}, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let Mr = M(0u); let Nc = M(1u); let K = M(2u);
  let row0 = gid.y * ${TILE}u;
  let col0 = gid.x * ${TILE}u;
  if (row0 >= Mr || col0 >= Nc) { return; }
  ${batchLines.join('\n  ')}
  let sam = MI(5u); let sak = MI(6u); let sbk = MI(8u); let sbn = MI(9u);
  // Rows and columns past the edge read the last valid one; their results are never stored.
  var ra: array<i32, ${TILE}>;
  var cb: array<i32, ${TILE}>;
  for (var i: u32 = 0u; i < ${TILE}u; i++) {
    ra[i] = pa + i32(min(row0 + i, Mr - 1u)) * sam;
    cb[i] = pb + i32(min(col0 + i, Nc - 1u)) * sbn;
  }
  var acc: array<vec4<${T}>, ${TILE}>;
  for (var k: u32 = 0u; k < K; k++) {
    let ik = i32(k);
    let bv = vec4<${T}>(B[cb[0] + ik * sbk], B[cb[1] + ik * sbk], B[cb[2] + ik * sbk], B[cb[3] + ik * sbk]);
    acc[0] += A[ra[0] + ik * sak] * bv;
    acc[1] += A[ra[1] + ik * sak] * bv;
    acc[2] += A[ra[2] + ik * sak] * bv;
    acc[3] += A[ra[3] + ik * sak] * bv;
  }
  let base = MI(10u) + i32(gid.z * Mr * Nc);
  for (var i: u32 = 0u; i < ${TILE}u; i++) {
    let r = row0 + i;
    if (r >= Mr) { break; }
    for (var j: u32 = 0u; j < ${TILE}u; j++) {
      if (col0 + j < Nc) { C[base + i32(r * Nc + col0 + j)] = acc[i][j]; }
    }
  }
}`;
  cache.set(key, src);
  return src;
}
