import type { DType } from '../../../dtype.js';
import type { View } from '../../kernel.js';
import type { GpuBuffer } from '../pool.js';
import { ValueError } from '../../../errors.js';
import { metaDecl, storageType } from '../wgsl.js';
import { bindings, grid2d, type Program } from './program.js';
import { reduceProgram } from './reduce.js';

/**
 * A register-blocked matmul tile: each invocation keeps a tm x tn block of C in registers and
 * walks K once, with no workgroup memory (on CPU-emulated Vulkan such as lavapipe, barriers and
 * shared tiles are slow while registers are cheap). Operands are strided, so a transpose is
 * read in place; where a layout allows it, rows of B (along N) and of A (along K) are read as
 * vec4, four elements per load. With tm = 1 it is the vector @ matrix (small-M) path.
 */
export interface TileConfig {
  /** Discriminant (absent on configurations written before the dot kernel existed). */
  readonly kind?: 'tile';
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
  /** Split K into slices computed in parallel and summed after (the count from the shape: `splitCount`). */
  readonly splitK?: boolean;
}

/**
 * The matrix @ vector (small-N) path: each output is a dot product along K of a row of A and a
 * column of B, both read along K (as vec4 where the layout allows: a row-major A and a column
 * vector or transposed B). With `lanes` = 1 one invocation computes `rm` outputs over all of K
 * in registers (CPU-emulated adapters); with more, a workgroup of `lanes` invocations shares K
 * in strided slices and combines them in a tree in workgroup memory (GPUs).
 */
export interface DotConfig {
  /** Discriminant. */
  readonly kind: 'dot';
  /** Rows of C (outputs of one column) per invocation, or per workgroup when lanes > 1. */
  readonly rm: number;
  /** Invocations sharing one block of outputs (a power of two; 1: none, no workgroup memory). */
  readonly lanes: number;
  /** Split K into slices computed in parallel and summed after (the count from the shape: `splitCount`). */
  readonly splitK?: boolean;
}

/**
 * The classic workgroup-memory GEMM for GPUs: a workgroup of (bn / tn) x (bm / tm) invocations
 * computes a bm x bn block of C. It walks K in steps of bk: the workgroup loads a bm x bk tile
 * of A and a bk x bn tile of B into workgroup memory together (zero past M, N and K), waits at a
 * barrier, and each invocation accumulates its tm x tn outputs (rows `ly + i * bm / tm`, columns
 * `lx + j * bn / tn`, so neighbouring invocations read neighbouring words) from the shared
 * tiles in registers. Each element of A and B is then read from device memory once per
 * workgroup, not once per invocation that uses it. On CPU Vulkan (lavapipe) barriers make it
 * 3-5x slower than the register tiles, so only hardware adapters time it.
 */
export interface SharedConfig {
  /** Discriminant. */
  readonly kind: 'shared';
  /** Rows of C per workgroup. */
  readonly bm: number;
  /** Columns of C per workgroup. */
  readonly bn: number;
  /** Length along K of the tiles held in workgroup memory. */
  readonly bk: number;
  /** Rows of C per invocation (divides bm). */
  readonly tm: number;
  /** Columns of C per invocation (divides bn). */
  readonly tn: number;
  /** Split K into slices computed in parallel and summed after (the count from the shape: `splitCount`). */
  readonly splitK?: boolean;
}

/** A matmul kernel configuration: a register tile, a dot product along K or a workgroup-memory tile, optionally split along K. */
export type MatmulConfig = TileConfig | DotConfig | SharedConfig;

/** The default where nothing was tuned: big register blocks for CPU Vulkan, smaller ones with more threads for GPUs. */
export function defaultMatmulConfig(isSoftware: boolean): MatmulConfig {
  // Measured on lavapipe (autotuneMatmul): 8x8 blocks with vec4 rows of B beat the vec4-A variants at every shape class.
  return isSoftware ? { tm: 8, tn: 8, wg: [8, 8], vecA: false, vecB: true } : { tm: 4, tn: 4, wg: [16, 16], vecA: true, vecB: true };
}

/** The configurations an autotuner tries (each may also run split along K). */
export const MATMUL_CANDIDATES: readonly MatmulConfig[] = [
  { tm: 4, tn: 4, wg: [8, 8], vecA: false, vecB: false },
  { tm: 4, tn: 4, wg: [16, 16], vecA: true, vecB: true },
  { tm: 4, tn: 8, wg: [8, 8], vecA: true, vecB: true },
  { tm: 8, tn: 4, wg: [8, 8], vecA: true, vecB: true },
  { tm: 8, tn: 8, wg: [8, 8], vecA: true, vecB: true },
  { tm: 8, tn: 8, wg: [4, 4], vecA: true, vecB: true },
  { tm: 8, tn: 8, wg: [8, 8], vecA: false, vecB: true },
  { tm: 2, tn: 4, wg: [16, 4], vecA: true, vecB: true },
  // Small M (vector @ matrix): one row per invocation, so no row of the block is wasted.
  { tm: 1, tn: 4, wg: [64, 1], vecA: false, vecB: true },
  { tm: 1, tn: 8, wg: [32, 1], vecA: false, vecB: true },
  // Small N (matrix @ vector): dot products along K.
  { kind: 'dot', rm: 1, lanes: 64 },
  { kind: 'dot', rm: 4, lanes: 16 },
  { kind: 'dot', rm: 1, lanes: 1 },
  { kind: 'dot', rm: 4, lanes: 1 },
  // Workgroup-memory tiles (hardware adapters only: barriers are slow on CPU Vulkan).
  { kind: 'shared', bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 },
  { kind: 'shared', bm: 128, bn: 64, bk: 16, tm: 8, tn: 4 },
];

/** A configuration's name in the autotune cache, e.g. `4x4/16x16/A4B4`, `dot4/L1`, `smem64x64/k16/4x4`, `1x8/32x1/A1B4/splitK`. */
export function configKey(c: MatmulConfig): string {
  const base =
    c.kind === 'dot'
      ? `dot${c.rm}/L${c.lanes}`
      : c.kind === 'shared'
        ? `smem${c.bm}x${c.bn}/k${c.bk}/${c.tm}x${c.tn}`
        : `${c.tm}x${c.tn}/${c.wg[0]}x${c.wg[1]}/${c.vecA ? 'A4' : 'A1'}${c.vecB ? 'B4' : 'B1'}`;
  return c.splitK ? `${base}/splitK` : base;
}

/** (M, N, K) of a matmul from its A operand and output views. */
export function matmulDims(a: View<GpuBuffer>, out: View<GpuBuffer>): [number, number, number] {
  const nd = out.shape.length;
  return [out.shape[nd - 2]!, out.shape[nd - 1]!, a.shape[nd - 1]!];
}

/** Minimum slice of K per split: shorter slices cost more in the sum than they gain. */
const MIN_SLICE = 256;
/** Split until about this many partial outputs run in parallel. */
const SPLIT_TARGET = 1 << 16;

/**
 * Slices of K for a split-K matmul of `outputs` (batch x M x N) outputs: enough for about
 * 65,536 partial outputs in parallel, each slice at least 256 long, at most 64 slices. 1 means
 * no split.
 */
export function splitCount(outputs: number, K: number): number {
  const s = Math.min(64, Math.floor(K / MIN_SLICE), Math.max(2, Math.ceil(SPLIT_TARGET / Math.max(outputs, 1))));
  return Math.max(1, s);
}

/** The dispatches of one matmul and the scratch buffers they use (released by the caller once recorded). */
export interface MatmulPrograms {
  /** Dispatches, to record in order. */
  readonly programs: Program[];
  /** Scratch acquired for partial sums. */
  readonly scratch: GpuBuffer[];
}

/**
 * The dispatches of a matmul. Split along K (config.splitK and more than one slice from the
 * shape), S slices of K run as one batched matmul into an (S, ...batch, M, N) scratch, a
 * remainder of K that S does not divide as one more slice, and the existing sum reduction folds
 * the slices into the output: deterministic, no atomics.
 */
export function matmulPrograms(
  a: View<GpuBuffer>,
  b: View<GpuBuffer>,
  out: View<GpuBuffer>,
  maxPerDim: number,
  config: MatmulConfig,
  acquire: (bytes: number) => GpuBuffer,
): MatmulPrograms {
  const nd = out.shape.length;
  const [, N, K] = matmulDims(a, out);
  const outputs = out.shape.reduce((x, y) => x * y, 1);
  const S = config.splitK ? splitCount(outputs, K) : 1;
  if (S <= 1) return { programs: [matmulProgram(a, b, out, maxPerDim, config)], scratch: [] };
  const kc = Math.floor(K / S);
  const rem = K - S * kc;
  const slices = S + (rem > 0 ? 1 : 0);
  const buffer = acquire(slices * outputs * 4);
  const contiguous = out.shape.map((_, d) => out.shape.slice(d + 1).reduce((x, y) => x * y, 1));
  const [sak, sbk] = [a.strides[nd - 1]!, b.strides[nd - 2]!];
  const programs: Program[] = [
    matmulProgram(
      { ...a, shape: [S, ...a.shape.slice(0, nd - 1), kc], strides: [kc * sak, ...a.strides] },
      { ...b, shape: [S, ...b.shape.slice(0, nd - 2), kc, N], strides: [kc * sbk, ...b.strides] },
      { buffer, dtype: out.dtype, shape: [S, ...out.shape], strides: [outputs, ...contiguous], offset: 0 },
      maxPerDim,
      config,
    ),
  ];
  if (rem > 0) {
    programs.push(
      matmulProgram(
        { ...a, shape: [...a.shape.slice(0, nd - 1), rem], offset: a.offset + S * kc * sak },
        { ...b, shape: [...b.shape.slice(0, nd - 2), rem, N], offset: b.offset + S * kc * sbk },
        { buffer, dtype: out.dtype, shape: out.shape, strides: contiguous, offset: S * outputs },
        maxPerDim,
        config,
      ),
    );
  }
  // The slices as the last dim of a [...batch, M, N, slices] view, summed into the output.
  const partials: View<GpuBuffer> = { buffer, dtype: out.dtype, shape: [...out.shape, slices], strides: [...contiguous, outputs], offset: 0 };
  programs.push(reduceProgram('sum', nd, partials, out, maxPerDim));
  return { programs, scratch: [buffer] };
}

const aligned = (...xs: number[]): boolean => xs.every((x) => x % 4 === 0);

/** One dispatch of a matmul with the given kernel configuration (its splitK flag is ignored here). */
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
  const meta = [M, N, K, batch, a.offset, sam, sak, b.offset, sbk, sbn, out.offset, 0, ...batchShape, ...aBatch, ...bBatch];
  const vecA = K > 0 && sak === 1 && aligned(K, a.offset, sam, ...aBatch);
  let source: string;
  let gx: number;
  let gy: number;
  if (config.kind === 'shared') {
    checkShared(config);
    // One workgroup per (batch, block of C), folded into x and y: neither the blocks of a tall
    // matrix nor a long batch then meets the per-dimension limit alone.
    const groups = Math.ceil(M / config.bm) * Math.ceil(N / config.bn) * batch;
    if (groups > maxPerDim * maxPerDim) {
      throw new RangeError(`matmul: ${groups} workgroups for a [${M}, ${N}] x ${batch} product exceed the device's ${maxPerDim} x ${maxPerDim} grid`);
    }
    [gx, gy] = grid2d(groups, maxPerDim);
    source = sharedSource(out.dtype, nb, meta.length, config);
    return { source, meta, grid: [gx, gy, 1], outputs: [out], inputs: [a, b] };
  }
  if (config.kind === 'dot') {
    // Along K for both operands: B's column k runs with stride sbk.
    const vecB = K > 0 && sbk === 1 && aligned(K, b.offset, sbn, ...bBatch);
    // One workgroup per (group of rows, column), folded into x and y: a tall matrix @ vector has
    // more row groups than one grid dimension holds (784,000 rows, one per workgroup, on a GPU).
    const rowGroups = Math.ceil(M / (config.rm * (config.lanes > 1 ? 1 : DOT_WG)));
    [gx, gy] = grid2d(rowGroups * N, maxPerDim);
    source = dotSource(out.dtype, nb, meta.length, config, vecA, vecB);
  } else {
    const vecB = config.vecB && sbn === 1 && aligned(N, b.offset, sbk, ...bBatch);
    gx = Math.ceil(N / (config.tn * config.wg[0]));
    gy = Math.ceil(M / (config.tm * config.wg[1]));
    source = matmulSource(out.dtype, nb, meta.length, { ...config, vecA: config.vecA && vecA, vecB });
  }
  if (batch > maxPerDim || gx > maxPerDim || gy > maxPerDim) {
    throw new RangeError(`matmul: a [${M}, ${N}] x ${batch} grid exceeds the device's ${maxPerDim} workgroups per dimension`);
  }
  return { source, meta, grid: [gx, gy, batch], outputs: [out], inputs: [a, b] };
}

/** Invocations per workgroup of the dot kernel without lanes (each its own block of rows). */
const DOT_WG = 64;

/** WGSL that walks the batch index `z` into the element offsets pa and pb of A and B. */
function batchLines(nb: number, z: string): string[] {
  const lines: string[] = ['var pa: i32 = MI(4u);', 'var pb: i32 = MI(7u);', `var rem: u32 = ${z};`];
  for (let d = nb - 1; d >= 0; d--) {
    lines.push(`{ let cc = i32(rem % M(${12 + d}u)); rem = rem / M(${12 + d}u); pa += cc * MI(${12 + nb + d}u); pb += cc * MI(${12 + 2 * nb + d}u); }`);
  }
  return lines;
}

function dotSource(dtype: DType, nb: number, words: number, c: DotConfig, vecA: boolean, vecB: boolean): string {
  const key = `dot|${dtype}|${nb}|${configKey(c)}|${vecA}|${vecB}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const T = storageType(dtype);
  const V = `vec4<${T}>`;
  const { rm, lanes } = c;
  // Four elements of K per step when either operand is read as vec4 (then K % 4 == 0).
  const step = vecA || vecB ? 4 : 1;
  const Acc = step === 4 ? V : T;
  const loadA = (i: number): string =>
    vecA ? `A[(ra[${i}] + k) / 4]` : step === 4 ? `${V}(${[0, 1, 2, 3].map((j) => `A[ra[${i}] + (k + ${j}) * sak]`).join(', ')})` : `A[ra[${i}] + k * sak]`;
  const loadB = vecB ? 'B[(cb + k) / 4]' : step === 4 ? `${V}(${[0, 1, 2, 3].map((j) => `B[cb + (k + ${j}) * sbk]`).join(', ')})` : 'B[cb + k * sbk]';
  const fold = step === 4 ? (i: number) => `(acc[${i}].x + acc[${i}].y + acc[${i}].z + acc[${i}].w)` : (i: number) => `acc[${i}]`;
  const rowsPerGroup = rm * (lanes > 1 ? 1 : DOT_WG);
  const block = lanes > 1 ? 'grp' : `grp * ${DOT_WG}u + lid`;
  const lane = lanes > 1 ? 'i32(lid)' : '0';
  const store = (i: number, v: string): string => `if (row0 + ${i}u < Mr) { C[base + i32((row0 + ${i}u) * Nc)] = ${v}; }`;
  let finish: string;
  if (lanes > 1) {
    const sums = Array.from({ length: rm }, (_, i) => `sh[lid * ${rm}u + ${i}u] = ${fold(i)};`);
    const tree = Array.from({ length: rm }, (_, i) => `sh[lid * ${rm}u + ${i}u] += sh[(lid + s) * ${rm}u + ${i}u];`);
    const stores = Array.from({ length: rm }, (_, i) => store(i, `sh[${i}u]`));
    finish = `${sums.join('\n  ')}
  workgroupBarrier();
  for (var s: u32 = ${lanes / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { ${tree.join(' ')} }
    workgroupBarrier();
  }
  if (lid == 0u) {
    ${stores.join('\n    ')}
  }`;
  } else {
    finish = Array.from({ length: rm }, (_, i) => store(i, fold(i))).join('\n  ');
  }
  const src = `${metaDecl(words)}
${bindings([{ name: 'C', type: T }], [{ name: 'A', type: vecA ? V : T }, { name: 'B', type: vecB ? V : T }])}
${lanes > 1 ? `var<workgroup> sh: array<${T}, ${lanes * rm}>;` : ''}
@compute @workgroup_size(${lanes > 1 ? lanes : DOT_WG}, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let Mr = M(0u); let Nc = M(1u); let K = MI(2u);
  // The workgroup's (row group, column) from its index in the folded 2-D grid; the spare
  // workgroups of the fold leave as a whole (a uniform branch, before any barrier).
  let groups = (Mr + ${rowsPerGroup - 1}u) / ${rowsPerGroup}u;
  let g = wid.y * nwg.x + wid.x;
  if (g >= groups * Nc) { return; }
  let col = g / groups;
  let grp = g % groups;
  let row0 = (${block}) * ${rm}u;
  ${lanes > 1 ? '' : 'if (row0 >= Mr) { return; }'}
  ${batchLines(nb, 'wid.z').join('\n  ')}
  let sam = MI(5u); let sak = MI(6u); let sbk = MI(8u); let sbn = MI(9u);
  // Rows past the edge read the last valid one; their results are never stored.
  var ra: array<i32, ${rm}>;
  for (var i: u32 = 0u; i < ${rm}u; i++) { ra[i] = pa + i32(min(row0 + i, Mr - 1u)) * sam; }
  let cb = pb + i32(col) * sbn;
  var acc: array<${Acc}, ${rm}>;
  for (var k: i32 = ${lane} * ${step}; k < K; k += ${lanes * step}) {
    let b = ${loadB};
    ${Array.from({ length: rm }, (_, i) => `acc[${i}] += ${loadA(i)} * b;`).join('\n    ')}
  }
  let base = MI(10u) + i32(wid.z * Mr * Nc + col);
  ${finish}
}`;
  cache.set(key, src);
  return src;
}

const cache = new Map<string, string>();

/** Invocations per workgroup and bytes of workgroup memory that every WebGPU device offers. */
const MAX_INVOCATIONS = 256;
const MAX_WORKGROUP_BYTES = 16384;

/** Shape checks of a workgroup-memory tile configuration (one set by hand on `backend.matmulConfig` may be anything). */
function checkShared(c: SharedConfig): void {
  const dims = [c.bm, c.bn, c.bk, c.tm, c.tn];
  const bad = (why: string): ValueError => new ValueError(`matmul: shared-memory tile ${configKey(c)}: ${why}`);
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) throw bad('bm, bn, bk, tm and tn must be positive integers');
  if (c.bm % c.tm !== 0 || c.bn % c.tn !== 0) throw bad('tm must divide bm and tn divide bn');
  const invocations = (c.bm / c.tm) * (c.bn / c.tn);
  if (invocations > MAX_INVOCATIONS) throw bad(`${invocations} invocations per workgroup ((bm / tm) x (bn / tn)) exceed ${MAX_INVOCATIONS}`);
  if (sharedWords(c) * 4 > MAX_WORKGROUP_BYTES) throw bad(`its tiles need more than ${MAX_WORKGROUP_BYTES} bytes of workgroup memory`);
}

/** Words of workgroup memory of a shared tile: rows padded by one word, so a column read or write spreads over memory banks. */
function sharedWords(c: SharedConfig): number {
  return c.bm * (c.bk + 1) + c.bk * (c.bn + 1);
}

function sharedSource(dtype: DType, nb: number, words: number, c: SharedConfig): string {
  const key = `shared|${dtype}|${nb}|${configKey(c)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const T = storageType(dtype);
  const { bm, bn, bk, tm, tn } = c;
  const [wx, wy] = [bn / tn, bm / tm];
  const threads = wx * wy;
  // Rows of the A tile are bk + 1 words apart, rows of the B tile bn + 1 (see sharedWords).
  const [ldA, ldB] = [bk + 1, bn + 1];
  // One tile load: element e of the tile (e < rows x cols), walked along the operand's contiguous
  // dim so that neighbouring invocations read neighbouring words (A along K unless only its rows
  // are contiguous, B along N unless only its columns are). The order is a uniform select rather
  // than a shader variant: on lavapipe each variant costs about a second to compile.
  const tileLoad = (tile: 'As' | 'Bs', total: number): string[] => {
    const lines: string[] = [];
    for (let r = 0; r < Math.ceil(total / threads); r++) {
      const guard = (r + 1) * threads > total;
      const at =
        tile === 'As'
          ? [`select(e % ${bm}u, e / ${bk}u, aAlongK)`, `select(e / ${bm}u, e % ${bk}u, aAlongK)`]
          : [`select(e / ${bk}u, e % ${bn}u, bAlongN)`, `select(e % ${bk}u, e / ${bn}u, bAlongN)`];
      const body =
        tile === 'As'
          ? `let m = ${at[0]}; let kk = ${at[1]}; let gm = row0 + m; let gk = k0 + i32(kk);
      var v = ${T}(0); if (gm < Mr && gk < K) { v = A[pa + i32(gm) * sam + gk * sak]; }
      As[m * ${ldA}u + kk] = v;`
          : `let n = ${at[0]}; let kk = ${at[1]}; let gn = col0 + n; let gk = k0 + i32(kk);
      var v = ${T}(0); if (gn < Nc && gk < K) { v = B[pb + gk * sbk + i32(gn) * sbn]; }
      Bs[kk * ${ldB}u + n] = v;`;
      lines.push(`{ let e = lid + ${r * threads}u;${guard ? ` if (e < ${total}u) {` : ''}
      ${body}${guard ? ' }' : ''}
    }`);
    }
    return lines;
  };
  const ii = Array.from({ length: tm }, (_, i) => i);
  const jj = Array.from({ length: tn }, (_, j) => j);
  const accs = ii.flatMap((i) => jj.map((j) => `var c${i}_${j} = ${T}(0);`));
  const fmas = ii.flatMap((i) => jj.map((j) => `c${i}_${j} += a${i} * b${j};`));
  const stores = ii.flatMap((i) =>
    jj.map((j) => `if (r${i} < Mr && col0 + lx + ${j * wx}u < Nc) { C[base + i32(r${i} * Nc + col0 + lx + ${j * wx}u)] = c${i}_${j}; }`),
  );
  const src = `${metaDecl(words)}
${bindings([{ name: 'C', type: T }], [{ name: 'A', type: T }, { name: 'B', type: T }])}
var<workgroup> As: array<${T}, ${bm * ldA}>;
var<workgroup> Bs: array<${T}, ${bk * ldB}>;
@compute @workgroup_size(${wx}, ${wy}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) loc: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let Mr = M(0u); let Nc = M(1u); let K = MI(2u);
  // The workgroup's (batch, block row, block column) from its index in the folded 2-D grid; the
  // spare workgroups of the fold leave as a whole (a uniform branch, before any barrier).
  let bx = (Nc + ${bn - 1}u) / ${bn}u;
  let blocks = bx * ((Mr + ${bm - 1}u) / ${bm}u);
  let g = wid.y * nwg.x + wid.x;
  if (g >= blocks * M(3u)) { return; }
  let z = g / blocks;
  let blk = g % blocks;
  let row0 = (blk / bx) * ${bm}u;
  let col0 = (blk % bx) * ${bn}u;
  ${batchLines(nb, 'z').join('\n  ')}
  let sam = MI(5u); let sak = MI(6u); let sbk = MI(8u); let sbn = MI(9u);
  let aAlongK = !(sam == 1 && sak != 1);
  let bAlongN = !(sbk == 1 && sbn != 1);
  let lx = loc.x; let ly = loc.y;
  ${ii.map((i) => `let ar${i} = (ly + ${i * wy}u) * ${ldA}u;`).join(' ')}
  ${accs.join(' ')}
  for (var k0: i32 = 0; k0 < K; k0 += ${bk}) {
    ${tileLoad('As', bm * bk).join('\n    ')}
    ${tileLoad('Bs', bk * bn).join('\n    ')}
    workgroupBarrier();
    for (var kk: u32 = 0u; kk < ${bk}u; kk++) {
      ${ii.map((i) => `let a${i} = As[ar${i} + kk];`).join(' ')}
      ${jj.map((j) => `let b${j} = Bs[kk * ${ldB}u + lx + ${j * wx}u];`).join(' ')}
      ${fmas.join(' ')}
    }
    // Nobody overwrites the tiles until everyone has read them.
    workgroupBarrier();
  }
  let base = MI(10u) + i32(z * Mr * Nc);
  ${ii.map((i) => `let r${i} = row0 + ly + ${i * wy}u;`).join(' ')}
  ${stores.join('\n  ')}
}`;
  cache.set(key, src);
  return src;
}

function matmulSource(dtype: DType, nb: number, words: number, c: TileConfig): string {
  const key = `${dtype}|${nb}|${configKey(c)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const T = storageType(dtype);
  const V = `vec4<${T}>`;
  const { tm, tn } = c;
  const nq = tn / 4;
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
  ${batchLines(nb, 'gid.z').join('\n  ')}
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
