import type { DType, TypedArray } from '../../dtype.js';
import { isFloat, typedArrayFor } from '../../dtype.js';
import { IndexError, OutOfMemoryError } from '../../errors.js';
import { TWO_POW_M24, mulhi32, philox2 } from '../philox.js';
import type { Backend, BackendMemory } from '../backend.js';
import type { Kernel, ReduceOp, View } from '../kernel.js';
import { forEachIndex, offsetsOf } from '../strided.js';
import { topoNodes, type Expr } from '../../expr.js';
import { exprToJs, inputsUsed } from './codegen.js';
import { runRows } from './rows.js';
import * as H from './math.js';

/** A cpu buffer is a typed array of its dtype; bool is a Uint8Array of 0/1. */
export interface CpuBuffer {
  /** The elements, replaced by an empty array once freed. */
  data: TypedArray;
}

type ElementwiseFn = (outs: readonly View<CpuBuffer>[], ins: readonly View<CpuBuffer>[], sc: readonly number[]) => void;

const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * The reference backend: plain loops in float64 arithmetic, stored at each tensor's dtype.
 * Slow, simple and exact enough to check the webgpu backend and gradients against.
 */
export class CpuBackend implements Backend<CpuBuffer> {
  /** {@inheritDoc Backend.maxKernelTensors} */
  readonly maxKernelTensors = Infinity;
  /** {@inheritDoc Backend.name} */
  readonly name = 'cpu' as const;
  readonly description = 'cpu (JavaScript reference kernels)';
  private bytes = 0;
  private readonly compiled = new Map<string, ElementwiseFn>();

  /** Every dtype, float64 included. */
  supportsDType(_dtype: DType): boolean {
    return true;
  }

  alloc(size: number, dtype: DType, op: string): CpuBuffer {
    if (size > MAX_ELEMENTS) throw new OutOfMemoryError(`${op}: ${size} elements exceed the cpu backend's limit of ${MAX_ELEMENTS}`);
    let data: TypedArray;
    try {
      data = typedArrayFor(dtype, size);
    } catch (e) {
      throw new OutOfMemoryError(`${op}: could not allocate ${size} elements of ${dtype}: ${(e as Error).message}`);
    }
    this.bytes += data.byteLength;
    return { data };
  }

  /** {@inheritDoc Backend.free} */
  free(buffer: CpuBuffer): void {
    this.bytes -= buffer.data.byteLength;
    buffer.data = new Float32Array(0);
  }

  /** {@inheritDoc Backend.write} */
  write(buffer: CpuBuffer, _dtype: DType, data: TypedArray): void {
    buffer.data.set(data);
  }

  async read(buffer: CpuBuffer, dtype: DType, offset: number, size: number): Promise<TypedArray> {
    return this.readSync(buffer, dtype, offset, size);
  }

  readSync(buffer: CpuBuffer, _dtype: DType, offset: number, size: number): TypedArray {
    return buffer.data.slice(offset, offset + size);
  }

  flush(): void {}

  /** {@inheritDoc Backend.memory} */
  memory(): BackendMemory {
    return { bytesInUse: this.bytes, pooledBytes: 0, pooledBuffers: 0 };
  }

  run(kernel: Kernel, inputs: readonly View<CpuBuffer>[], outputs: readonly View<CpuBuffer>[], scalars: readonly number[] = []): void {
    switch (kernel.kind) {
      case 'elementwise':
        return this.elementwise(kernel.exprs, inputs, outputs, scalars);
      case 'reduce':
        return reduce(kernel.op, kernel.outer, inputs[0]!, outputs[0]!);
      case 'matmul':
        return matmul(inputs[0]!, inputs[1]!, outputs[0]!);
      case 'gather':
        return gather(kernel.dim, kernel.op, inputs[0]!, inputs[1]!, outputs[0]!);
      case 'scatterAdd':
        return scatterAdd(kernel.dim, kernel.op, inputs[0]!, inputs[1]!, outputs[0]!);
      case 'cumsum':
        return cumsum(inputs[0]!, outputs[0]!);
      case 'topk':
        return topk(kernel.k, kernel.largest, inputs[0]!, outputs[0]!, outputs[1]!);
      case 'random':
        return random(kernel.dist, kernel.seed, kernel.offset, outputs[0]!, scalars);
      case 'rows':
        return runRows(kernel, inputs, outputs, scalars);
    }
  }

  private elementwise(exprs: readonly Expr[], ins: readonly View<CpuBuffer>[], outs: readonly View<CpuBuffer>[], sc: readonly number[]): void {
    const key = JSON.stringify([exprs, outs.map((o) => o.dtype), outs[0]!.shape.length]);
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = compileElementwise(exprs, ins.length, outs.map((o) => o.dtype), outs[0]!.shape.length);
      this.compiled.set(key, fn);
    }
    fn(outs, ins, sc);
  }
}

/** A loop over the common shape of the outputs with one pointer per view (outputs may alias inputs element for element). */
function compileElementwise(exprs: readonly Expr[], nIn: number, outDtypes: readonly DType[], nd: number): ElementwiseFn {
  const used = inputsUsed(exprs);
  const loads: string[] = [];
  const decl: string[] = [];
  const step: string[] = [];
  const unstep: string[] = [];
  const stores: string[] = [];
  outDtypes.forEach((dt, j) => {
    decl.push(`const ob${j} = outs[${j}].buffer.data, os${j} = outs[${j}].strides; let po${j} = outs[${j}].offset;`);
    stores.push(dt === 'bool' ? `ob${j}[po${j}] = result${j} ? 1 : 0;` : `ob${j}[po${j}] = result${j};`);
    step.push(`po${j} += os${j}[d];`);
    unstep.push(`po${j} -= os${j}[d] * shape[d];`);
  });
  for (let i = 0; i < nIn; i++) {
    if (!used.has(i)) continue;
    decl.push(`const b${i} = ins[${i}].buffer.data, s${i} = ins[${i}].strides; let p${i} = ins[${i}].offset;`);
    loads.push(loadInput(i, exprs));
    step.push(`p${i} += s${i}[d];`);
    unstep.push(`p${i} -= s${i}[d] * shape[d];`);
  }
  const src = `
const shape = outs[0].shape;
let n = 1; for (const d of shape) n *= d;
if (n === 0) return;
${decl.join('\n')}
const c = new Array(${nd}).fill(0);
for (let i = 0; i < n; i++) {
  ${loads.join('\n  ')}
  ${exprToJs(exprs)}
  ${stores.join('\n  ')}
  for (let d = ${nd - 1}; d >= 0; d--) {
    c[d]++; ${step.join(' ')}
    if (c[d] < shape[d]) break;
    ${unstep.join(' ')}
    c[d] = 0;
  }
}`;
  const f = new Function('outs', 'ins', 'sc', 'H', src) as (o: unknown, i: unknown, s: unknown, h: unknown) => void;
  return (outs, ins, sc) => f(outs, ins, sc, H);
}

function loadInput(i: number, exprs: readonly Expr[]): string {
  const node = topoNodes(exprs).find((e) => e.k === 'in' && e.i === i);
  return node?.dtype === 'bool' ? `const v${i} = b${i}[p${i}] !== 0;` : `const v${i} = b${i}[p${i}];`;
}

function reduce(op: ReduceOp, nOuter: number, x: View<CpuBuffer>, out: View<CpuBuffer>): void {
  const outerShape = x.shape.slice(0, nOuter);
  const outerStrides = x.strides.slice(0, nOuter);
  const inner = offsetsOf(x.shape.slice(nOuter), x.strides.slice(nOuter), 0);
  const src = x.buffer.data;
  const dst = out.buffer.data;
  const float = isFloat(x.dtype);
  let o = out.offset;
  forEachIndex(outerShape, outerStrides, x.offset, (base) => {
    let acc: number;
    switch (op) {
      case 'sum': {
        acc = 0;
        for (let j = 0; j < inner.length; j++) acc += src[base + inner[j]!]!;
        break;
      }
      case 'prod': {
        acc = 1;
        for (let j = 0; j < inner.length; j++) acc *= src[base + inner[j]!]!;
        break;
      }
      case 'max':
      case 'min': {
        const sign = op === 'max' ? 1 : -1;
        acc = inner.length ? src[base + inner[0]!]! : NaN;
        for (let j = 1; j < inner.length; j++) {
          const v = src[base + inner[j]!]!;
          if (Number.isNaN(v) || (!Number.isNaN(acc) && sign * (v - acc) > 0)) acc = v;
          if (Number.isNaN(acc)) break;
        }
        break;
      }
      case 'argmax':
      case 'argmin': {
        const sign = op === 'argmax' ? 1 : -1;
        let best = src[base + inner[0]!]!;
        acc = 0;
        for (let j = 1; j < inner.length && !Number.isNaN(best); j++) {
          const v = src[base + inner[j]!]!;
          if (Number.isNaN(v) || sign * (v - best) > 0) {
            best = v;
            acc = j;
          }
        }
        break;
      }
    }
    dst[o++] = float || op === 'argmax' || op === 'argmin' ? acc : acc | 0;
  });
}

function matmul(a: View<CpuBuffer>, b: View<CpuBuffer>, out: View<CpuBuffer>): void {
  const nd = out.shape.length;
  const M = out.shape[nd - 2]!;
  const N = out.shape[nd - 1]!;
  const K = a.shape[nd - 1]!;
  const [sam, sak] = [a.strides[nd - 2]!, a.strides[nd - 1]!];
  const [sbk, sbn] = [b.strides[nd - 2]!, b.strides[nd - 1]!];
  const batch = out.shape.slice(0, nd - 2);
  const A = a.buffer.data;
  const B = b.buffer.data;
  const C = out.buffer.data;
  const int = out.dtype === 'int32';
  const aOff = offsetsOf(batch, a.strides.slice(0, nd - 2), a.offset);
  const bOff = offsetsOf(batch, b.strides.slice(0, nd - 2), b.offset);
  const acc = new Float64Array(N);
  let o = out.offset;
  for (let t = 0; t < aOff.length; t++) {
    for (let i = 0; i < M; i++) {
      acc.fill(0);
      const ai = aOff[t]! + i * sam;
      for (let k = 0; k < K; k++) {
        const av = A[ai + k * sak]!;
        const bk = bOff[t]! + k * sbk;
        for (let j = 0; j < N; j++) acc[j]! += av * B[bk + j * sbn]!;
      }
      for (let j = 0; j < N; j++) C[o++] = int ? acc[j]! | 0 : acc[j]!;
    }
  }
}

function checkIndex(op: string, v: number, size: number, dim: number): void {
  if (v < -size || v >= size) {
    throw new IndexError(`${op}: index ${v} is out of range for dimension ${dim} of size ${size}`);
  }
}

function gather(dim: number, op: string, x: View<CpuBuffer>, index: View<CpuBuffer>, out: View<CpuBuffer>): void {
  const X = x.buffer.data;
  const I = index.buffer.data;
  const O = out.buffer.data;
  const size = x.shape[dim]!;
  let o = out.offset;
  forEachIndex(index.shape, index.strides, index.offset, (io, c) => {
    let v = I[io]!;
    checkIndex(op, v, size, dim);
    if (v < 0) v += size;
    let xo = x.offset;
    for (let d = 0; d < c.length; d++) xo += (d === dim ? v : c[d]!) * x.strides[d]!;
    O[o++] = X[xo]!;
  });
}

function scatterAdd(dim: number, op: string, index: View<CpuBuffer>, src: View<CpuBuffer>, out: View<CpuBuffer>): void {
  const I = index.buffer.data;
  const S = src.buffer.data;
  const O = out.buffer.data;
  const size = out.shape[dim]!;
  forEachIndex(index.shape, index.strides, index.offset, (io, c) => {
    let v = I[io]!;
    checkIndex(op, v, size, dim);
    if (v < 0) v += size;
    let so = src.offset;
    let oo = out.offset;
    for (let d = 0; d < c.length; d++) {
      so += c[d]! * src.strides[d]!;
      oo += (d === dim ? v : c[d]!) * out.strides[d]!;
    }
    O[oo]! += S[so]!;
  });
}

function cumsum(x: View<CpuBuffer>, out: View<CpuBuffer>): void {
  const nd = x.shape.length;
  const len = x.shape[nd - 1]!;
  const s = x.strides[nd - 1]!;
  const X = x.buffer.data;
  const O = out.buffer.data;
  let o = out.offset;
  forEachIndex(x.shape.slice(0, nd - 1), x.strides.slice(0, nd - 1), x.offset, (base) => {
    let acc = 0;
    for (let j = 0; j < len; j++) {
      acc += X[base + j * s]!;
      O[o++] = acc;
    }
  });
}

/** Descending order with NaN largest and ties broken by the lower index, as PyTorch's topk sorts. */
function topk(k: number, largest: boolean, x: View<CpuBuffer>, values: View<CpuBuffer>, indices: View<CpuBuffer>): void {
  const nd = x.shape.length;
  const len = x.shape[nd - 1]!;
  const s = x.strides[nd - 1]!;
  const X = x.buffer.data;
  const V = values.buffer.data;
  const I = indices.buffer.data;
  let o = 0;
  const order = Array.from({ length: len }, (_, j) => j);
  forEachIndex(x.shape.slice(0, nd - 1), x.strides.slice(0, nd - 1), x.offset, (base) => {
    const val = (j: number): number => X[base + j * s]!;
    order.sort((p, q) => {
      const a = val(p);
      const b = val(q);
      const an = Number.isNaN(a);
      const bn = Number.isNaN(b);
      if (an || bn) return an && bn ? p - q : largest ? (an ? -1 : 1) : an ? 1 : -1;
      if (a === b) return p - q;
      return largest ? b - a : a - b;
    });
    for (let j = 0; j < k; j++) {
      V[values.offset + o] = val(order[j]!);
      I[indices.offset + o] = order[j]!;
      o++;
    }
    for (let j = 0; j < len; j++) order[j] = j;
  });
}

function random(dist: 'uniform' | 'normal' | 'randint', seed: readonly [number, number], offset: number, out: View<CpuBuffer>, sc: readonly number[]): void {
  const O = out.buffer.data;
  // float32 output rounds each step to float32 as the WGSL kernel does, so both backends give the same bits.
  const f = out.dtype === 'float32' ? Math.fround : (v: number): number => v;
  const lo = f(sc[0]!);
  const span = f(f(sc[1]!) - lo);
  let i = 0;
  forEachIndex(out.shape, out.strides, out.offset, (o) => {
    const [a, b] = philox2(i, offset, seed[0], seed[1]);
    if (dist === 'uniform') {
      O[o] = lo + f(span * Math.fround((a >>> 8) * TWO_POW_M24));
    } else if (dist === 'normal') {
      const u1 = Math.fround(((a >>> 8) + 1) * TWO_POW_M24);
      const u2 = Math.fround((b >>> 8) * TWO_POW_M24);
      O[o] = sc[0]! + sc[1]! * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    } else {
      O[o] = sc[0]! + mulhi32(a, sc[1]! >>> 0);
    }
    i++;
  });
}
