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
 * How a view is read on the vector path: `vec` four consecutive elements at once (inner stride
 * 1), `splat` one element for all four (inner stride 0, a value broadcast along the last dim).
 */
type Lane = 'vec' | 'splat';

/**
 * The vector path applies when the (coalesced) innermost dim is walked contiguously by every
 * output and by every input that does not broadcast along it, in whole aligned quads: offsets
 * and outer strides multiples of 4 and buffers a multiple of 16 bytes (so the quad holding the
 * last element is inside the binding). Only a 1-D problem may end in a partial quad. Returns
 * each view's lane, or null for the general path.
 */
function vectorLanes(shape: readonly number[], strides: readonly (readonly number[])[], views: readonly View<GpuBuffer>[], nOut: number): Lane[] | null {
  const nd = shape.length;
  if (nd === 0 || (nd > 1 && shape[nd - 1]! % 4 !== 0)) return null;
  const lanes: Lane[] = [];
  for (let k = 0; k < views.length; k++) {
    const s = strides[k]!;
    const inner = s[nd - 1]!;
    if (inner === 0 && k >= nOut) {
      lanes.push('splat');
      continue;
    }
    const v = views[k]!;
    if (inner !== 1 || v.offset % 4 !== 0 || v.buffer.bytes % 16 !== 0) return null;
    for (let d = 0; d < nd - 1; d++) if (s[d]! % 4 !== 0) return null;
    lanes.push('vec');
  }
  return lanes;
}

/**
 * outputs[j][i] = exprs[j](inputs at i) over any strided outputs of one shape. Dims that every
 * view walks contiguously are merged first. An input in the same buffer as an output with the
 * same layout (an in-place update) is read through the output's binding, since WebGPU forbids
 * binding one buffer both read-only and writable in a dispatch.
 *
 * Where the layout allows (see vectorLanes) each invocation loads and stores whole vec4s and
 * computes `quads` of them (four elements each); `quads` is chosen per adapter: CPU Vulkan runs
 * invocations as SIMD lanes and gains from more work per invocation, GPUs want one quad.
 */
export function elementwiseProgram(exprs: readonly Expr[], ins: readonly View<GpuBuffer>[], outs: readonly View<GpuBuffer>[], scalars: readonly number[], maxPerDim: number, quads = 1): Program {
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
  const coords = exprs.some(usesCoords);
  if (!coords) ({ shape, strides } = coalesceDims(out0.shape, strides));
  const nd = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  const lanes = coords ? null : vectorLanes(shape, strides, views, outs.length);
  const meta: number[] = [];
  if (lanes) {
    // Sizes, offsets and strides in quads for vec views, in elements for splat views.
    const qshape = [...shape.slice(0, nd - 1), Math.ceil(shape[nd - 1]! / 4)];
    meta.push(Math.ceil(n / 4), n, ...qshape);
    views.forEach((v, k) => {
      const s = strides[k]!;
      if (lanes[k] === 'vec') meta.push(v.offset / 4, ...s.slice(0, nd - 1).map((x) => x / 4), 1);
      else meta.push(v.offset, ...s);
    });
  } else {
    meta.push(n, ...shape);
    views.forEach((v, k) => meta.push(v.offset, ...strides[k]!));
  }
  const scalarBase = meta.length;
  scalars.forEach((s, i) => meta.push(scalarBits(s, scalarTypes[i] ?? 'float32')));
  const layoutKey = lanes ? `v${quads}:${lanes.join(',')}` : 's';
  const key = `${exprs.map(exprKey).join(';')}|${nd}|${layoutKey}|${outs.map((o) => o.dtype)}|${usedIdx.map((i) => `${i}:${inTypes[i]}:${alias.get(i) ?? ''}`).join(',')}|${scalars.length}`;
  let source = sources.get(key);
  if (!source) {
    const k: KernelShape = { exprs, nd, outTypes: outs.map((o) => o.dtype), used: usedIdx, alias, inTypes, metaWords: meta.length, scalarBase };
    source = lanes ? vectorSource(k, lanes, quads) : scalarSource(k);
    sources.set(key, source);
  }
  const groups = lanes ? Math.ceil(Math.ceil(n / 4) / (WG * quads)) : Math.ceil(n / WG);
  return { source, meta, grid: grid2d(groups, maxPerDim), outputs: outs, inputs: bound.map((i) => ins[i]!) };
}

interface KernelShape {
  exprs: readonly Expr[];
  nd: number;
  outTypes: DType[];
  used: number[];
  alias: Map<number, number>;
  inTypes: DType[];
  metaWords: number;
  scalarBase: number;
}

/** Pointer declarations and bindings shared by both paths; `base` is the meta word of the first view. */
function viewSetup(k: KernelShape, base: number, elementType: (view: number, t: DType) => string) {
  const offsetAt = (v: number): number => base + v * (1 + k.nd);
  const bound = k.used.filter((i) => !k.alias.has(i));
  const nOut = k.outTypes.length;
  const ptrs = [
    ...k.outTypes.map((_, j) => ({ ptr: `po${j}`, strideAt: offsetAt(j) + 1 })),
    ...bound.map((i, b) => ({ ptr: `p${i}`, strideAt: offsetAt(nOut + b) + 1 })),
  ];
  const decls = [
    ...k.outTypes.map((_, j) => `var po${j}: i32 = MI(${offsetAt(j)}u);`),
    ...bound.map((i, b) => `var p${i}: i32 = MI(${offsetAt(nOut + b)}u);`),
  ];
  const binds = bindings(
    k.outTypes.map((t, j) => ({ name: `out${j}`, type: elementType(j, t) })),
    bound.map((i, b) => ({ name: `in${i}`, type: elementType(nOut + b, k.inTypes[i]!) })),
  );
  return { ptrs, decls, binds, bound };
}

function scalarSource(k: KernelShape): string {
  const { ptrs, decls, binds } = viewSetup(k, 1 + k.nd, (_, t) => storageType(t));
  const loads = k.used.map((i) => {
    const j = k.alias.get(i);
    return j === undefined ? `let v${i} = ${load(`in${i}`, `p${i}`, k.inTypes[i]!)};` : `let v${i} = ${load(`out${j}`, `po${j}`, k.inTypes[i]!)};`;
  });
  const body = exprToWgsl(k.exprs, (i) => `M(${k.scalarBase + i}u)`, (axis) => `c${axis}`);
  const stores = k.outTypes.map((t, j) => `out${j}[po${j}] = ${store(`result${j}`, t)};`);
  return `${metaDecl(k.metaWords)}
${binds}
${PRELUDE}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lin = ${LINEAR_INDEX(WG)};
  if (lin >= M(0u)) { return; }
  ${decls.join('\n  ')}
  ${decompose('lin', k.nd, 1, ptrs)}
  ${loads.join('\n  ')}
  ${body}
  ${stores.join('\n  ')}
}`;
}

/**
 * Quads: each view is read as vec4 (or one splat element), and the expression runs once per
 * component in its own block (scalar code; SIMD on CPU Vulkan comes from the invocations). A
 * partial last quad (1-D only) stores its live components one by one. Meta: quads, elements,
 * the shape in quads, then per view its offset and strides.
 */
function vectorSource(k: KernelShape, lanes: readonly Lane[], quads: number): string {
  const nOut = k.outTypes.length;
  const vecType = (t: DType): string => `vec4<${storageType(t)}>`;
  const { ptrs, decls, binds, bound } = viewSetup(k, 2 + k.nd, (v, t) => (lanes[v] === 'vec' ? vecType(t) : storageType(t)));
  const laneOf = new Map(bound.map((i, b) => [i, lanes[nOut + b]!]));
  const loads = k.used.map((i) => {
    const j = k.alias.get(i);
    return j === undefined ? `let a${i} = in${i}[p${i}];` : `let a${i} = out${j}[po${j}];`;
  });
  const body = exprToWgsl(k.exprs, (i) => `M(${k.scalarBase + i}u)`, () => '0u');
  const blocks = [0, 1, 2, 3].map((c) => {
    const vals = k.used.map((i) => {
      const raw = k.alias.has(i) || laneOf.get(i) === 'vec' ? `a${i}[${c}]` : `a${i}`;
      return `let v${i} = ${k.inTypes[i] === 'bool' ? `(${raw} != 0u)` : raw};`;
    });
    const outs = k.outTypes.map((t, j) => `r${j}[${c}] = ${store(`result${j}`, t)};`);
    return `{\n    ${vals.join('\n    ')}\n    ${body.replaceAll('\n  ', '\n    ')}\n    ${outs.join('\n    ')}\n  }`;
  });
  const results = k.outTypes.map((t, j) => `var r${j}: ${vecType(t)};`);
  // 1-D problems may end in a partial quad; elsewhere every quad is whole (inner dim % 4 == 0).
  const stores =
    k.nd === 1
      ? `if (q * 4u + 4u <= M(1u)) {
    ${k.outTypes.map((_, j) => `out${j}[po${j}] = r${j};`).join('\n    ')}
  } else {
    for (var c = 0u; q * 4u + c < M(1u); c++) { ${k.outTypes.map((_, j) => `out${j}[po${j}][c] = r${j}[c];`).join(' ')} }
  }`
      : k.outTypes.map((_, j) => `out${j}[po${j}] = r${j};`).join('\n  ');
  const inner = `if (q >= M(0u)) { return; }
  ${decls.join('\n  ')}
  ${decompose('q', k.nd, 2, ptrs)}
  ${loads.join('\n  ')}
  ${results.join('\n  ')}
  ${blocks.join('\n  ')}
  ${stores}`;
  const first = `(wid.x + wid.y * nwg.x) * ${WG * quads}u + lid.x`;
  const main =
    quads === 1
      ? `let q = ${first};\n  ${inner}`
      : `let first = ${first};\n  for (var e = 0u; e < ${quads}u; e++) {\n  let q = first + e * ${WG}u;\n  ${inner}\n  }`;
  return `${metaDecl(k.metaWords)}
${binds}
${PRELUDE}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${main}
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
