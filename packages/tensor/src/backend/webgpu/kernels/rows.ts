import type { DType } from '../../../dtype.js';
import { exprKey, topoNodes, type Expr } from '../../../expr.js';
import type { RowsKernel, View } from '../../kernel.js';
import { exprToWgsl } from '../codegen.js';
import type { GpuBuffer } from '../pool.js';
import { PRELUDE, load, metaDecl, storageType, store } from '../wgsl.js';
import { scalarBits } from './elementwise.js';
import { bindings, grid2d, type Program } from './program.js';

const WG = 64;
const sources = new Map<string, string>();

/**
 * One workgroup per row: each statistic is folded by the workgroup's invocations over strided
 * shares of the row and combined by a tree in workgroup memory, then broadcast to all; the
 * outputs are written in a last pass over the row. Meta: rows, row length, the outer shape, then
 * per view (outputs, inputs) its offset, outer strides and last-dim stride, then the scalars.
 */
export function rowsProgram(kernel: RowsKernel, ins: readonly View<GpuBuffer>[], outs: readonly View<GpuBuffer>[], scalars: readonly number[], maxPerDim: number, threadPerRow: boolean): Program {
  const shape = outs[0]!.shape;
  const nd = shape.length;
  const outer = shape.slice(0, nd - 1);
  const rows = outer.reduce((a, b) => a * b, 1);
  const all = [...kernel.stats.map((s) => s.expr), ...kernel.exprs];
  const used = new Set<number>();
  const scalarTypes: DType[] = [];
  for (const e of topoNodes(all)) {
    if (e.k === 'in') used.add(e.i);
    else if (e.k === 'scalar') scalarTypes[e.i] = e.dtype;
  }
  const usedIdx = [...used].sort((a, b) => a - b);
  const views = [...outs, ...usedIdx.map((i) => ins[i]!)];
  const meta: number[] = [rows, shape[nd - 1]!, ...outer];
  for (const v of views) meta.push(v.offset, ...v.strides.slice(0, nd - 1), v.strides[nd - 1]!);
  const scalarBase = meta.length;
  scalars.forEach((s, i) => meta.push(scalarBits(s, scalarTypes[i] ?? 'float32')));
  const inTypes = ins.map((v) => v.dtype);
  const key = `${threadPerRow}|${kernel.stats.map((s) => `${s.op}:${exprKey(s.expr)}`).join(';')}|${kernel.exprs.map(exprKey).join(';')}|${nd}|${outs.map((o) => o.dtype)}|${usedIdx.map((i) => `${i}:${inTypes[i]}`)}|${scalars.length}`;
  let source = sources.get(key);
  if (!source) {
    source = rowsSource(kernel, nd, outs.map((o) => o.dtype), usedIdx, inTypes, meta.length, scalarBase, threadPerRow);
    sources.set(key, source);
  }
  const groups = threadPerRow ? Math.ceil(rows / WG) : rows;
  return { source, meta, grid: grid2d(groups, maxPerDim), outputs: outs, inputs: usedIdx.map((i) => ins[i]!) };
}

/**
 * With `threadPerRow` each invocation walks whole rows alone, with no workgroup memory and no
 * barriers: the fast shape on CPU-emulated Vulkan (lavapipe), where barriers are costly and a
 * workgroup runs on one core anyway. GPUs get a workgroup per row.
 */
function rowsSource(kernel: RowsKernel, nd: number, outTypes: DType[], used: number[], inTypes: DType[], words: number, scalarBase: number, threadPerRow: boolean): string {
  const no = nd - 1;
  const viewNames = [...outTypes.map((_, j) => `o${j}`), ...used.map((i) => `${i}`)];
  const viewAt = (k: number): number => 2 + no + k * (no + 2);
  const setup: string[] = [];
  viewNames.forEach((v, k) => {
    setup.push(`var p${v}: i32 = MI(${viewAt(k)}u);`);
    setup.push(`let s${v}: i32 = MI(${viewAt(k) + 1 + no}u);`);
  });
  setup.push('var rem: u32 = row;');
  for (let d = no - 1; d >= 0; d--) {
    setup.push(`{ let c = i32(${d === 0 ? 'rem' : `rem % M(${2 + d}u)`}); ${d === 0 ? '' : `rem = rem / M(${2 + d}u);`} ${viewNames.map((v, k) => `p${v} += c * MI(${viewAt(k) + 1 + d}u);`).join(' ')} }`);
  }
  const loadsFor = (exprs: readonly Expr[]): string => {
    const need = new Set<number>();
    for (const e of topoNodes(exprs)) if (e.k === 'in') need.add(e.i);
    return [...need].map((i) => `let v${i} = ${load(`in${i}`, `p${i} + i32(j) * s${i}`, inTypes[i]!)};`).join('\n    ');
  };
  const scalarWord = (i: number): string => `M(${scalarBase + i}u)`;
  const lanes = threadPerRow ? 1 : WG;
  const first = threadPerRow ? '0u' : 'lid';
  const stats = kernel.stats.map((s, k) => {
    const T = storageType(s.expr.dtype);
    if (threadPerRow) {
      const ident = s.op === 'sum' ? `${T}(0)` : T === 'f32' ? '-nl_inf()' : 'i32(-2147483647 - 1)';
      return `var acc${k}: ${T} = ${ident};
  for (var j: u32 = 0u; j < L; j++) {
    ${loadsFor([s.expr])}
    ${exprToWgsl([s.expr], scalarWord, () => '0u')}
    acc${k} = comb${k}(acc${k}, result0);
  }
  let stat${k} = acc${k};`;
    }
    const ident = s.op === 'sum' ? `${T}(0)` : T === 'f32' ? '-nl_inf()' : 'i32(-2147483647 - 1)';
    const comb = s.op === 'sum' ? 'a + b' : T === 'f32' ? 'nl_max(a, b)' : 'max(a, b)';
    return `{
    var acc: ${T} = ${ident};
    for (var j: u32 = lid; j < L; j += ${WG}u) {
      ${loadsFor([s.expr])}
      ${exprToWgsl([s.expr], scalarWord, () => '0u')}
      acc = comb${k}(acc, result0);
    }
    red${k}[lid] = acc;
  }
  workgroupBarrier();
  for (var w: u32 = ${WG / 2}u; w > 0u; w = w >> 1u) {
    if (lid < w) { red${k}[lid] = comb${k}(red${k}[lid], red${k}[lid + w]); }
    workgroupBarrier();
  }
  let stat${k} = red${k}[0];
  // combiner for stat ${k}: ${comb}`;
  });
  const combFns = kernel.stats.map((s, k) => {
    const T = storageType(s.expr.dtype);
    const comb = s.op === 'sum' ? 'a + b' : T === 'f32' ? 'nl_max(a, b)' : 'max(a, b)';
    const shared = threadPerRow ? '' : `var<workgroup> red${k}: array<${T}, ${WG}>;\n`;
    return `${shared}fn comb${k}(a: ${T}, b: ${T}) -> ${T} { return ${comb}; }`;
  });
  const stores = outTypes.map((t, j) => `o${j}[po${j} + i32(j) * so${j}] = ${store(`result${j}`, t)};`);
  return `${metaDecl(words)}
${bindings(outTypes.map((t, j) => ({ name: `o${j}`, type: storageType(t) })), used.map((i) => ({ name: `in${i}`, type: storageType(inTypes[i]!) })))}
${PRELUDE}
${combFns.join('\n')}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = ${threadPerRow ? `(wid.x + wid.y * nwg.x) * ${WG}u + lid` : 'wid.x + wid.y * nwg.x'};
  if (row >= M(0u)) { return; }
  let L = M(1u);
  ${setup.join('\n  ')}
  ${stats.join('\n  ')}
  for (var j: u32 = ${first}; j < L; j += ${lanes}u) {
    ${loadsFor(kernel.exprs)}
    ${exprToWgsl(kernel.exprs, scalarWord, () => '0u')}
    ${stores.join('\n    ')}
  }
}`;
}
