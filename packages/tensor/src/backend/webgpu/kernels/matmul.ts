import type { DType } from '../../../dtype.js';
import type { View } from '../../kernel.js';
import type { GpuBuffer } from '../pool.js';
import { metaDecl, storageType } from '../wgsl.js';
import { bindings, type Program } from './program.js';

/**
 * A register-blocked matmul: each invocation keeps a tm x tn block of C in registers and walks
 * K once, with no workgroup memory (on CPU-emulated Vulkan such as lavapipe, barriers and
 * shared tiles are slow while registers are cheap). Operands are strided, so a transpose is
 * read in place; where a layout allows it, rows of B (along N) and of A (along K) are read as
 * vec4, four elements per load.
 */
export interface MatmulConfig {
  /** Rows of C per invocation (a multiple of 1). */
  readonly tm: number;
  /** Columns of C per invocation (a multiple of 4). */
  readonly tn: number;
  /** Workgroup size (x over columns, y over rows). */
  readonly wg: readonly [number, number];
  /** Read A four elements along K at a time when its layout allows. */
  readonly vecA: boolean;
  /** Read B four elements along N at a time when its layout allows. */
  readonly vecB: boolean;
}

/** The default where nothing was tuned: big register blocks for CPU Vulkan, smaller ones with more threads for GPUs. */
export function defaultMatmulConfig(isSoftware: boolean): MatmulConfig {
  // Measured on lavapipe (autotuneMatmul): 8x8 blocks with vec4 rows of B beat the vec4-A variants at every shape class.
  return isSoftware ? { tm: 8, tn: 8, wg: [8, 8], vecA: false, vecB: true } : { tm: 4, tn: 4, wg: [16, 16], vecA: true, vecB: true };
}

/** The configurations an autotuner tries. */
export const MATMUL_CANDIDATES: readonly MatmulConfig[] = [
  { tm: 4, tn: 4, wg: [8, 8], vecA: false, vecB: false },
  { tm: 4, tn: 4, wg: [16, 16], vecA: true, vecB: true },
  { tm: 4, tn: 8, wg: [8, 8], vecA: true, vecB: true },
  { tm: 8, tn: 4, wg: [8, 8], vecA: true, vecB: true },
  { tm: 8, tn: 8, wg: [8, 8], vecA: true, vecB: true },
  { tm: 8, tn: 8, wg: [4, 4], vecA: true, vecB: true },
  { tm: 8, tn: 8, wg: [8, 8], vecA: false, vecB: true },
  { tm: 2, tn: 4, wg: [16, 4], vecA: true, vecB: true },
];

export function configKey(c: MatmulConfig): string {
  return `${c.tm}x${c.tn}/${c.wg[0]}x${c.wg[1]}/${c.vecA ? 'A4' : 'A1'}${c.vecB ? 'B4' : 'B1'}`;
}

/** (M, N, K) of a matmul from its A operand and output views. */
export function matmulDims(a: View<GpuBuffer>, out: View<GpuBuffer>): [number, number, number] {
  const nd = out.shape.length;
  return [out.shape[nd - 2]!, out.shape[nd - 1]!, a.shape[nd - 1]!];
}

const aligned = (...xs: number[]): boolean => xs.every((x) => x % 4 === 0);

export function matmulProgram(a: View<GpuBuffer>, b: View<GpuBuffer>, out: View<GpuBuffer>, maxPerDim: number, config: MatmulConfig): Program {
  const nd = out.shape.length;
  const M = out.shape[nd - 2]!;
  const N = out.shape[nd - 1]!;
  const K = a.shape[nd - 1]!;
  const batchShape = out.shape.slice(0, nd - 2);
  const nb = batchShape.length;
  const batch = batchShape.reduce((x, y) => x * y, 1);
  const [sam, sak] = [a.strides[nd - 2]!, a.strides[nd - 1]!];
  const [sbk, sbn] = [b.strides[nd - 2]!, b.strides[nd - 1]!];
  const aBatch = a.strides.slice(0, nb);
  const bBatch = b.strides.slice(0, nb);
  const vecA = config.vecA && K > 0 && sak === 1 && aligned(K, a.offset, sam, ...aBatch);
  const vecB = config.vecB && sbn === 1 && aligned(N, b.offset, sbk, ...bBatch);
  const meta = [M, N, K, batch, a.offset, sam, sak, b.offset, sbk, sbn, out.offset, 0, ...batchShape, ...aBatch, ...bBatch];
  const gx = Math.ceil(N / (config.tn * config.wg[0]));
  const gy = Math.ceil(M / (config.tm * config.wg[1]));
  if (batch > maxPerDim || gx > maxPerDim || gy > maxPerDim) {
    throw new RangeError(`matmul: a [${M}, ${N}] x ${batch} grid exceeds the device's ${maxPerDim} workgroups per dimension`);
  }
  const source = matmulSource(out.dtype, nb, meta.length, { ...config, vecA, vecB });
  return { source, meta, grid: [gx, gy, batch], outputs: [out], inputs: [a, b] };
}

const cache = new Map<string, string>();

function matmulSource(dtype: DType, nb: number, words: number, c: MatmulConfig): string {
  const key = `${dtype}|${nb}|${configKey(c)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const T = storageType(dtype);
  const V = `vec4<${T}>`;
  const { tm, tn } = c;
  const nq = tn / 4;
  const batchLines: string[] = ['var pa: i32 = MI(4u);', 'var pb: i32 = MI(7u);', 'var rem: u32 = gid.z;'];
  for (let d = nb - 1; d >= 0; d--) {
    batchLines.push(`{ let cc = i32(rem % M(${12 + d}u)); rem = rem / M(${12 + d}u); pa += cc * MI(${12 + nb + d}u); pb += cc * MI(${12 + 2 * nb + d}u); }`);
  }
  // B's row k as nq vec4s covering columns col0 .. col0 + tn.
  const loadB = (k: string): string[] => {
    const lines: string[] = [];
    for (let q = 0; q < nq; q++) {
      if (c.vecB) lines.push(`let b${q} = B[bq${q} + (${k}) * sbk4];`);
      else lines.push(`let b${q} = ${V}(${[0, 1, 2, 3].map((j) => `B[cb[${4 * q + j}] + (${k}) * sbk]`).join(', ')});`);
    }
    return lines;
  };
  const fma = (aExpr: (i: number) => string): string[] => {
    const lines: string[] = [];
    for (let i = 0; i < tm; i++) for (let q = 0; q < nq; q++) lines.push(`acc[${i * nq + q}] += ${aExpr(i)} * b${q};`);
    return lines;
  };
  let loop: string;
  if (c.vecA) {
    const inner: string[] = [];
    for (let i = 0; i < tm; i++) inner.push(`let a${i} = A[(ra[${i}] + k) / 4];`);
    for (let kk = 0; kk < 4; kk++) {
      inner.push('{', ...loadB(`k + ${kk}`), ...fma((i) => `a${i}[${kk}]`), '}');
    }
    loop = `for (var k: i32 = 0; k < K; k += 4) {\n    ${inner.join('\n    ')}\n  }`;
  } else {
    loop = `for (var k: i32 = 0; k < K; k++) {\n    ${[...loadB('k'), ...fma((i) => `A[ra[${i}] + k * sak]`)].join('\n    ')}\n  }`;
  }
  const colSetup = c.vecB
    ? Array.from({ length: nq }, (_, q) => `let bq${q} = pb / 4 + i32(min(col0 / 4u + ${q}u, Nc / 4u - 1u));`).join('\n  ') + '\n  let sbk4 = sbk / 4;'
    : `var cb: array<i32, ${tn}>;\n  for (var j: u32 = 0u; j < ${tn}u; j++) { cb[j] = pb + i32(min(col0 + j, Nc - 1u)) * sbn; }`;
  const src = `${metaDecl(words)}
${bindings([{ name: 'C', type: T }], [{ name: 'A', type: c.vecA ? V : T }, { name: 'B', type: c.vecB ? V : T }])}
@compute @workgroup_size(${c.wg[0]}, ${c.wg[1]}, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let Mr = M(0u); let Nc = M(1u); let K = MI(2u);
  let row0 = gid.y * ${tm}u;
  let col0 = gid.x * ${tn}u;
  if (row0 >= Mr || col0 >= Nc) { return; }
  ${batchLines.join('\n  ')}
  let sam = MI(5u); let sak = MI(6u); let sbk = MI(8u); let sbn = MI(9u);
  // Rows and columns past the edge read the last valid one; their results are never stored.
  var ra: array<i32, ${tm}>;
  for (var i: u32 = 0u; i < ${tm}u; i++) { ra[i] = pa + i32(min(row0 + i, Mr - 1u)) * sam; }
  ${colSetup}
  var acc: array<${V}, ${tm * nq}>;
  ${loop}
  let base = MI(10u) + i32(gid.z * Mr * Nc);
  for (var i: u32 = 0u; i < ${tm}u; i++) {
    let r = row0 + i;
    if (r >= Mr) { break; }
    for (var j: u32 = 0u; j < ${tn}u; j++) {
      if (col0 + j < Nc) { C[base + i32(r * Nc + col0 + j)] = acc[i * ${nq}u + j / 4u][j % 4u]; }
    }
  }
}`;
  cache.set(key, src);
  return src;
}
