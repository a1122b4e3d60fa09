import type { View } from '../../kernel.js';
import type { GpuBuffer } from '../pool.js';

/**
 * One dispatch, ready to record: the WGSL source (pipelines are cached by it), the meta words
 * for its uniform block, the workgroup grid, and the views bound in order: outputs
 * (read_write), then inputs (read-only), then the device error buffer when `checksIndices`.
 */
export interface Program {
  readonly source: string;
  readonly meta: readonly number[];
  readonly grid: readonly [number, number, number];
  readonly outputs: readonly View<GpuBuffer>[];
  readonly inputs: readonly View<GpuBuffer>[];
  readonly checksIndices?: boolean;
}

/** A 2-D grid holding `groups` workgroups, each dimension within the device limit. */
export function grid2d(groups: number, maxPerDim: number): [number, number, number] {
  if (groups <= maxPerDim) return [Math.max(groups, 1), 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}

/** Binding declarations for outputs then inputs, numbered from 1 (0 is the meta block). */
export function bindings(outputs: readonly { name: string; type: string }[], inputs: readonly { name: string; type: string }[]): string {
  const lines: string[] = [];
  let b = 1;
  for (const o of outputs) lines.push(`@group(0) @binding(${b++}) var<storage, read_write> ${o.name}: array<${o.type}>;`);
  for (const i of inputs) lines.push(`@group(0) @binding(${b++}) var<storage, read> ${i.name}: array<${i.type}>;`);
  return lines.join('\n');
}

export function errorBinding(index: number): string {
  return `@group(0) @binding(${index}) var<storage, read_write> nl_err: array<atomic<i32>, 4>;`;
}

/** WGSL that decomposes linear index `lin` over dims shape[0..nd) read from meta word `shapeAt`,
 * accumulating each view's offset `p{v}` from its strides at meta word `strideAt[v]`. */
export function decompose(lin: string, nd: number, shapeAt: number, views: readonly { ptr: string; strideAt: number }[], coordVar?: string): string {
  const lines = [`var rem: u32 = ${lin};`];
  for (let d = nd - 1; d >= 0; d--) {
    const c = coordVar ? `${coordVar}${d}` : `c${d}`;
    // The outermost coordinate is what remains: no division (integer division is costly on CPU Vulkan).
    if (d === 0) lines.push(`let ${c}: u32 = rem;`);
    else lines.push(`let ${c}: u32 = rem % M(${shapeAt + d}u); rem = rem / M(${shapeAt + d}u);`);
    for (const v of views) lines.push(`${v.ptr} += i32(${c}) * MI(${v.strideAt + d}u);`);
  }
  return lines.join('\n  ');
}
