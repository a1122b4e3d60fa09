import type { View } from '../../kernel.js';
import type { GpuBuffer } from '../pool.js';
import { LINEAR_INDEX, metaDecl, storageType } from '../wgsl.js';
import { bindings, errorBinding, grid2d, type Program } from './program.js';

const WG = 256;
const cache = new Map<string, string>();

function cached(key: string, make: () => string): string {
  let s = cache.get(key);
  if (!s) {
    s = make();
    cache.set(key, s);
  }
  return s;
}

/** Records an out-of-range index in the device error buffer; the host raises it at the next read. */
const REPORT = `fn report(v: i32, size: i32) {
  atomicMax(&nl_err[0], i32(M(1u)));
  atomicStore(&nl_err[1], v);
  atomicStore(&nl_err[2], size);
}`;

/**
 * out[c] = x[c with c[dim] = index[c]]: one invocation per index element. x, index and out have
 * the same rank; x may be broadcast (stride 0) on the dims other than `dim`.
 * Meta: n, check id, dim size, x offset, index offset, out offset, shape, x strides, index strides.
 */
export function gatherProgram(dim: number, checkId: number, x: View<GpuBuffer>, index: View<GpuBuffer>, out: View<GpuBuffer>, maxPerDim: number): Program {
  const nd = index.shape.length;
  const n = index.shape.reduce((a, b) => a * b, 1);
  const meta = [n, checkId, x.shape[dim]!, x.offset, index.offset, out.offset, ...index.shape, ...x.strides, ...index.strides];
  const T = storageType(x.dtype);
  const source = cached(`gather|${T}|${nd}|${dim}`, () => {
    const lines = ['var rem: u32 = lin;', 'var px: i32 = MI(3u);', 'var pi: i32 = MI(4u);'];
    for (let d = nd - 1; d >= 0; d--) {
      lines.push(`let c${d} = i32(rem % M(${6 + d}u)); rem = rem / M(${6 + d}u);`);
      lines.push(`pi += c${d} * MI(${6 + 2 * nd + d}u);`);
      if (d !== dim) lines.push(`px += c${d} * MI(${6 + nd + d}u);`);
    }
    return `${metaDecl(meta.length)}
${bindings([{ name: 'out', type: T }], [{ name: 'x', type: T }, { name: 'idx', type: 'i32' }])}
${errorBinding(4)}
${REPORT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lin = ${LINEAR_INDEX(WG)};
  if (lin >= M(0u)) { return; }
  ${lines.join('\n  ')}
  let size = MI(2u);
  var v = idx[pi];
  if (v < -size || v >= size) { report(v, size); out[MI(5u) + i32(lin)] = ${T}(0); return; }
  if (v < 0) { v += size; }
  out[MI(5u) + i32(lin)] = x[px + v * MI(${6 + nd + dim}u)];
}`;
  });
  return { source, meta, grid: grid2d(Math.ceil(n / WG), maxPerDim), outputs: [out], inputs: [x, index], checksIndices: true };
}

/**
 * out[c with c[dim] = index[c]] += src[c]. Deterministic: one invocation per output element
 * sums, in index order, the sources that land on it, so results are identical run to run.
 * Meta: n, check id, index extent along dim, out offset, index offset, src offset,
 * out shape, index shape, out strides, index strides, src strides.
 */
export function scatterAddProgram(dim: number, checkId: number, index: View<GpuBuffer>, src: View<GpuBuffer>, out: View<GpuBuffer>, maxPerDim: number): Program {
  const nd = out.shape.length;
  const n = out.shape.reduce((a, b) => a * b, 1);
  const meta = [n, checkId, index.shape[dim]!, out.offset, index.offset, src.offset, ...out.shape, ...index.shape, ...out.strides, ...index.strides, ...src.strides];
  const T = storageType(out.dtype);
  const at = { oshape: 6, ishape: 6 + nd, ostr: 6 + 2 * nd, istr: 6 + 3 * nd, sstr: 6 + 4 * nd };
  const source = cached(`scatterAdd|${T}|${nd}|${dim}`, () => {
    const lines = ['var rem: u32 = lin;', 'var po: i32 = MI(3u);', 'var pi: i32 = MI(4u);', 'var ps: i32 = MI(5u);', 'var inside = true;'];
    for (let d = nd - 1; d >= 0; d--) {
      lines.push(`let c${d} = i32(rem % M(${at.oshape + d}u)); rem = rem / M(${at.oshape + d}u);`);
      lines.push(`po += c${d} * MI(${at.ostr + d}u);`);
      if (d !== dim) {
        lines.push(`inside = inside && c${d} < MI(${at.ishape + d}u);`);
        lines.push(`pi += c${d} * MI(${at.istr + d}u); ps += c${d} * MI(${at.sstr + d}u);`);
      }
    }
    return `${metaDecl(meta.length)}
${bindings([{ name: 'out', type: T }], [{ name: 'idx', type: 'i32' }, { name: 'src', type: T }])}
${errorBinding(4)}
${REPORT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lin = ${LINEAR_INDEX(WG)};
  if (lin >= M(0u)) { return; }
  ${lines.join('\n  ')}
  if (!inside) { return; }
  let size = i32(M(${at.oshape + dim}u));
  let tgt = c${dim};
  var acc = out[po];
  let len = i32(M(2u));
  let si = MI(${at.istr + dim}u);
  let ss = MI(${at.sstr + dim}u);
  for (var i: i32 = 0; i < len; i++) {
    var v = idx[pi + i * si];
    if (v < -size || v >= size) { if (tgt == 0) { report(v, size); } continue; }
    if (v < 0) { v += size; }
    if (v == tgt) { acc += src[ps + i * ss]; }
  }
  out[po] = acc;
}`;
  });
  return { source, meta, grid: grid2d(Math.ceil(n / WG), maxPerDim), outputs: [out], inputs: [index, src], checksIndices: true };
}

/** Meta for kernels that walk lines along the last dim: n lines, line length, x offset, out offset, outer shape, outer strides, last stride. */
function lineMeta(x: View<GpuBuffer>, outOffset: number, extra: number[]): number[] {
  const nd = x.shape.length;
  const outer = x.shape.slice(0, nd - 1);
  const n = outer.reduce((a, b) => a * b, 1);
  return [n, x.shape[nd - 1]!, x.offset, outOffset, ...extra, ...outer, ...x.strides.slice(0, nd - 1), x.strides[nd - 1]!];
}

function lineBase(no: number, extra: number): string {
  const shapeAt = 4 + extra;
  const strideAt = shapeAt + no;
  const lines = ['var base: i32 = MI(2u);', 'var rem: u32 = line;'];
  for (let d = no - 1; d >= 0; d--) {
    lines.push(`base += i32(rem % M(${shapeAt + d}u)) * MI(${strideAt + d}u); rem = rem / M(${shapeAt + d}u);`);
  }
  lines.push(`let step = MI(${strideAt + no}u);`);
  return lines.join('\n  ');
}

/** Inclusive prefix sums, one invocation per line, sequential along the line. */
export function cumsumProgram(x: View<GpuBuffer>, out: View<GpuBuffer>, maxPerDim: number): Program {
  const meta = lineMeta(x, out.offset, []);
  const no = x.shape.length - 1;
  const T = storageType(x.dtype);
  const source = cached(`cumsum|${T}|${no}`, () => `${metaDecl(meta.length)}
${bindings([{ name: 'out', type: T }], [{ name: 'x', type: T }])}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let line = ${LINEAR_INDEX(64)};
  if (line >= M(0u)) { return; }
  ${lineBase(no, 0)}
  let len = M(1u);
  let o = MI(3u) + i32(line * len);
  var acc: ${T} = ${T}(0);
  for (var j: u32 = 0u; j < len; j++) {
    acc += x[base + i32(j) * step];
    out[o + i32(j)] = acc;
  }
}`);
  return { source, meta, grid: grid2d(Math.ceil((meta[0] as number) / 64), maxPerDim), outputs: [out], inputs: [x] };
}

/**
 * The k first elements of each line in (value descending, index ascending) order, NaN largest,
 * by k selection passes: each pass takes the best element strictly after the previous pick.
 * O(k n) per line with no scratch memory. For smallest-k the order of values is reversed.
 */
export function topkProgram(k: number, largest: boolean, x: View<GpuBuffer>, values: View<GpuBuffer>, indices: View<GpuBuffer>, maxPerDim: number): Program {
  const meta = lineMeta(x, values.offset, [k, indices.offset]);
  const no = x.shape.length - 1;
  const T = storageType(x.dtype);
  const float = T === 'f32';
  const source = cached(`topk|${T}|${no}|${largest}`, () => {
    const isnan = float ? 'nl_isnan' : 'nl_never';
    const cmp = largest ? '>' : '<';
    return `${metaDecl(meta.length)}
${bindings([{ name: 'vals', type: T }, { name: 'inds', type: 'i32' }], [{ name: 'x', type: T }])}
fn nl_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nl_never(x: ${T}) -> bool { return false; }
// Whether (a, ia) comes before (b, ib) in the output order.
fn before(a: ${T}, ia: u32, b: ${T}, ib: u32) -> bool {
  let na = ${isnan}(a);
  let nb = ${isnan}(b);
  if (na || nb) { if (na && nb) { return ia < ib; } return ${largest ? 'na' : 'nb'}; }
  if (a == b) { return ia < ib; }
  return a ${cmp} b;
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let line = ${LINEAR_INDEX(64)};
  if (line >= M(0u)) { return; }
  ${lineBase(no, 2)}
  let len = M(1u);
  let k = M(4u);
  var pv: ${T} = x[base];
  var pi: u32 = 0xffffffffu;
  for (var r: u32 = 0u; r < k; r++) {
    var bv: ${T} = pv;
    var bi: u32 = 0xffffffffu;
    for (var j: u32 = 0u; j < len; j++) {
      let v = x[base + i32(j) * step];
      let after = pi == 0xffffffffu || before(pv, pi, v, j);
      if (after && (bi == 0xffffffffu || before(v, j, bv, bi))) { bv = v; bi = j; }
    }
    vals[MI(3u) + i32(line * k + r)] = bv;
    inds[MI(5u) + i32(line * k + r)] = i32(bi);
    pv = bv;
    pi = bi;
  }
}`;
  });
  return { source, meta, grid: grid2d(Math.ceil((meta[0] as number) / 64), maxPerDim), outputs: [values, indices], inputs: [x] };
}
