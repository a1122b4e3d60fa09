import type { DType } from '../../../dtype.js';
import { BackendError } from '../../../errors.js';
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

const sameLayout = (a: View<GpuBuffer>, b: View<GpuBuffer>): boolean =>
  a.offset === b.offset && a.strides.every((s, i) => s === b.strides[i] || a.shape[i] === 1);

/**
 * outputs[j][i] = exprs[j](inputs at i) over any strided outputs of one shape. Dims that every
 * view walks contiguously are merged first. An input in the same buffer as an output with the
 * same layout (an in-place update) is read through the output's binding, since WebGPU forbids
 * binding one buffer both read-only and writable in a dispatch.
 */
export function elementwiseProgram(exprs: readonly Expr[], ins: readonly View<GpuBuffer>[], outs: readonly View<GpuBuffer>[], scalars: readonly number[], maxPerDim: number): Program {
  const used = new Set<number>();
  const inTypes: DType[] = ins.map((v) => v.dtype);
  const scalarTypes: DType[] = [];
  for (const e of topoNodes(exprs)) {
    if (e.k === 'in') used.add(e.i);
    else if (e.k === 'scalar') scalarTypes[e.i] = e.dtype;
  }
  const usedIdx = [...used].sort((a, b) => a - b);
  const alias = new Map<number, number>();
  for (const i of usedIdx) {
    const j = outs.findIndex((o) => o.buffer === ins[i]!.buffer);
    if (j < 0) continue;
    if (!sameLayout(outs[j]!, ins[i]!)) {
      throw new BackendError('webgpu: an elementwise output overlaps an input with a different layout; write to a fresh tensor');
    }
    alias.set(i, j);
  }
  const bound = usedIdx.filter((i) => !alias.has(i));
  const out0 = outs[0]!;
  const views = [...outs, ...bound.map((i) => ins[i]!)];
  let shape: readonly number[] = out0.shape;
  let strides: readonly (readonly number[])[] = views.map((v) => v.strides);
  if (!exprs.some(usesCoords)) ({ shape, strides } = coalesceDims(out0.shape, strides));
  const nd = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  const meta: number[] = [n, ...shape];
  views.forEach((v, k) => meta.push(v.offset, ...strides[k]!));
  const scalarBase = meta.length;
  scalars.forEach((s, i) => meta.push(scalarBits(s, scalarTypes[i] ?? 'float32')));
  const key = `${exprs.map(exprKey).join(';')}|${nd}|${outs.map((o) => o.dtype)}|${usedIdx.map((i) => `${i}:${inTypes[i]}:${alias.get(i) ?? ''}`).join(',')}|${scalars.length}`;
  let source = sources.get(key);
  if (!source) {
    source = elementwiseSource(exprs, nd, outs.map((o) => o.dtype), usedIdx, alias, inTypes, meta.length, scalarBase);
    sources.set(key, source);
  }
  return { source, meta, grid: grid2d(Math.ceil(n / WG), maxPerDim), outputs: outs, inputs: bound.map((i) => ins[i]!) };
}

function elementwiseSource(exprs: readonly Expr[], nd: number, outTypes: DType[], used: number[], alias: Map<number, number>, inTypes: DType[], metaWords: number, scalarBase: number): string {
  const offsetAt = (k: number): number => 1 + nd + k * (1 + nd);
  const bound = used.filter((i) => !alias.has(i));
  const nOut = outTypes.length;
  const ptrs = [
    ...outTypes.map((_, j) => ({ ptr: `po${j}`, strideAt: offsetAt(j) + 1 })),
    ...bound.map((i, k) => ({ ptr: `p${i}`, strideAt: offsetAt(nOut + k) + 1 })),
  ];
  const decls = [
    ...outTypes.map((_, j) => `var po${j}: i32 = MI(${offsetAt(j)}u);`),
    ...bound.map((i, k) => `var p${i}: i32 = MI(${offsetAt(nOut + k)}u);`),
  ];
  const loads = used.map((i) => {
    const j = alias.get(i);
    return j === undefined ? `let v${i} = ${load(`in${i}`, `p${i}`, inTypes[i]!)};` : `let v${i} = ${load(`out${j}`, `po${j}`, inTypes[i]!)};`;
  });
  const body = exprToWgsl(exprs, (i) => `M(${scalarBase + i}u)`, (axis) => `c${axis}`);
  const stores = outTypes.map((t, j) => `out${j}[po${j}] = ${store(`result${j}`, t)};`);
  return `${metaDecl(metaWords)}
${bindings(outTypes.map((t, j) => ({ name: `out${j}`, type: storageType(t) })), bound.map((i) => ({ name: `in${i}`, type: storageType(inTypes[i]!) })))}
${PRELUDE}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lin = ${LINEAR_INDEX(WG)};
  if (lin >= M(0u)) { return; }
  ${decls.join('\n  ')}
  ${decompose('lin', nd, 1, ptrs)}
  ${loads.join('\n  ')}
  ${body}
  ${stores.join('\n  ')}
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
