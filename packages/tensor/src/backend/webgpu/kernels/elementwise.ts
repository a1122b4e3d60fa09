import type { DType } from '../../../dtype.js';
import type { Expr } from '../../../expr.js';
import { exprKey, topoNodes, usesCoords } from '../../../expr.js';
import { coalesceDims } from '../../../shape.js';
import type { View } from '../../kernel.js';
import { exprToWgsl } from '../codegen.js';
import type { GpuBuffer } from '../pool.js';
import { LINEAR_INDEX, PRELUDE, load, metaDecl, storageType, store } from '../wgsl.js';
import { bindings, decompose, grid2d, type Program } from './program.js';

const WG = 256;
const sources = new Map<string, string>();

/**
 * out[i] = expr(inputs at i) over any strided output. Dims that every view walks contiguously
 * are merged first, so the generated index arithmetic stays short.
 */
export function elementwiseProgram(expr: Expr, ins: readonly View<GpuBuffer>[], out: View<GpuBuffer>, scalars: readonly number[], maxPerDim: number): Program {
  const used = new Set<number>();
  const inTypes: DType[] = ins.map((v) => v.dtype);
  const scalarTypes: DType[] = [];
  for (const e of topoNodes(expr)) {
    if (e.k === 'in') used.add(e.i);
    else if (e.k === 'scalar') scalarTypes[e.i] = e.dtype;
  }
  const usedIdx = [...used].sort((a, b) => a - b);
  const views = [out, ...usedIdx.map((i) => ins[i]!)];
  let shape: readonly number[] = out.shape;
  let strides: readonly (readonly number[])[] = views.map((v) => v.strides);
  if (!usesCoords(expr)) ({ shape, strides } = coalesceDims(out.shape, strides));
  const nd = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  const meta: number[] = [n, ...shape];
  views.forEach((v, k) => meta.push(v.offset, ...strides[k]!));
  const scalarBase = meta.length;
  scalars.forEach((s, i) => meta.push(scalarBits(s, scalarTypes[i] ?? 'float32')));
  const key = `${exprKey(expr)}|${nd}|${out.dtype}|${usedIdx.map((i) => `${i}:${inTypes[i]}`).join(',')}|${scalars.length}`;
  let source = sources.get(key);
  if (!source) {
    source = elementwiseSource(expr, nd, out.dtype, usedIdx, inTypes, meta.length, scalarBase);
    sources.set(key, source);
  }
  return { source, meta, grid: grid2d(Math.ceil(n / WG), maxPerDim), outputs: [out], inputs: usedIdx.map((i) => ins[i]!) };
}

function elementwiseSource(expr: Expr, nd: number, outDtype: DType, used: number[], inTypes: DType[], metaWords: number, scalarBase: number): string {
  const strideAt = (k: number): number => 1 + nd + k * (1 + nd) + 1;
  const offsetAt = (k: number): number => 1 + nd + k * (1 + nd);
  const ptrs = [{ ptr: 'po', strideAt: strideAt(0) }, ...used.map((i, k) => ({ ptr: `p${i}`, strideAt: strideAt(k + 1) }))];
  const decls = [`var po: i32 = MI(${offsetAt(0)}u);`, ...used.map((i, k) => `var p${i}: i32 = MI(${offsetAt(k + 1)}u);`)];
  const loads = used.map((i) => `let v${i} = ${load(`in${i}`, `p${i}`, inTypes[i]!)};`);
  const body = exprToWgsl(expr, (i) => `M(${scalarBase + i}u)`, (axis) => `c${axis}`);
  // Coordinates are only meaningful when dims were not merged, which usesCoords guarantees.
  return `${metaDecl(metaWords)}
${bindings([{ name: 'out', type: storageType(outDtype) }], used.map((i) => ({ name: `in${i}`, type: storageType(inTypes[i]!) })))}
${PRELUDE}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lin = ${LINEAR_INDEX(WG)};
  if (lin >= M(0u)) { return; }
  ${decls.join('\n  ')}
  ${decompose('lin', nd, 1, ptrs)}
  ${loads.join('\n  ')}
  ${body}
  out[po] = ${store('result', outDtype)};
}`;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The u32 word holding a scalar of `dtype` as WGSL will bitcast it. */
export function scalarBits(v: number, dtype: DType): number {
  if (dtype === 'float32') {
    f32[0] = v;
    return u32[0]!;
  }
  if (dtype === 'bool') return v ? 1 : 0;
  return v >>> 0;
}
