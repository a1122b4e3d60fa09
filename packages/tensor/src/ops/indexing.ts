import { promoteTypes } from '../dtype.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { call, cast as castE, coord, input, lit } from '../expr.js';
import { tidy } from '../memory.js';
import { formatShape, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, empty, restride, runKernel, viewOf } from './core.js';
import { cast, map } from './elementwise.js';
import { alongLastDim } from './reduce.js';
import { index, narrow, reshape, unsqueeze, type IndexSpec } from './view.js';
import { full, zerosLike } from './creation.js';
import { record } from '../autograd/tape.js';

function checkIndexTensor(op: string, index: Tensor): void {
  index.assertLive(op);
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: indices must be int32, got ${index.dtype}`);
}

/**
 * out[c] = x[c with c[dim] replaced by index[c]] (PyTorch's gather). Indices out of range raise
 * IndexError: at once on cpu, at the next read on webgpu (the kernel reports it to the host).
 */
export function gather(x: Tensor, dim: number, idx: Tensor): Tensor {
  return gatherAs('gather', x, dim, idx);
}

/**
 * gather under the name of the public op that called it (indexSelect, embedding), so
 * its errors, including an out-of-range index the kernel finds, name the op the user called.
 */
function gatherAs(op: string, x: Tensor, dim: number, idx: Tensor): Tensor {
  const backend = backendOf(op, [x, idx]);
  checkIndexTensor(op, idx);
  const d = normalizeAxis(op, dim, x.ndim);
  if (idx.ndim !== x.ndim) {
    throw new ShapeError(`${op}: index has ${idx.ndim} dims ${formatShape(idx.shape)} but input has ${x.ndim} ${formatShape(x.shape)}`);
  }
  idx.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i]!) {
      throw new ShapeError(`${op}: index ${formatShape(idx.shape)} is larger than input ${formatShape(x.shape)} in dimension ${i}`);
    }
  });
  const out = empty(op, backend, idx.shape, x.dtype);
  try {
    if (out.size > 0) runKernel(backend, { kind: 'gather', dim: d, op }, [viewOf(x), viewOf(idx)], [viewOf(out)]);
  } catch (e) {
    // The cpu kernel raises IndexError mid-way: the output must not leak.
    out.dispose();
    throw e;
  }
  record(op, [x, idx], [out], ([g], [xs, i]) => [scatterAdd(zerosLike(xs!), d, i!, g!), null]);
  return out;
}

/** The entries of `x` at positions `idx` (1-D) along `dim`. Implemented as a gather over a broadcast view of the index: no copy. */
export function indexSelect(x: Tensor, dim: number, idx: Tensor): Tensor {
  return indexSelectAs('indexSelect', x, dim, idx);
}

function indexSelectAs(op: string, x: Tensor, dim: number, idx: Tensor): Tensor {
  x.assertLive(op);
  checkIndexTensor(op, idx);
  if (idx.ndim > 1) throw new ShapeError(`${op}: index must be 0-D or 1-D, got shape ${formatShape(idx.shape)}`);
  const d = normalizeAxis(op, dim, x.ndim);
  const n = idx.ndim === 0 ? 1 : idx.shape[0]!;
  const outShape = x.shape.map((s, i) => (i === d ? n : s));
  const strides = x.shape.map((_, i) => (i === d && idx.ndim === 1 ? idx.strides[0]! : 0));
  const spread = restride(idx, outShape, strides, idx.offset);
  try {
    return gatherAs(op, x, d, spread);
  } finally {
    spread.dispose();
  }
}

/** Rows of `weight` [V, D] for integer `indices` of any shape: result [...indices.shape, D]. */
export function embedding(weight: Tensor, indices: Tensor): Tensor {
  return embeddingAs('embedding', weight, indices);
}

function embeddingAs(op: string, weight: Tensor, indices: Tensor): Tensor {
  weight.assertLive(op);
  checkIndexTensor(op, indices);
  if (weight.ndim !== 2) throw new ShapeError(`${op}: weight must be 2-D [num_embeddings, dim], got ${formatShape(weight.shape)}`);
  return tidy(() => reshape(indexSelectAs(op, weight, 0, reshape(indices, [-1])), [...indices.shape, weight.shape[1]!]));
}

/** `numClasses`-wide int32 one-hot rows for integer class indices. */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  checkIndexTensor('oneHot', indices);
  if (!Number.isInteger(numClasses) || numClasses <= 0) throw new ValueError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const backend = backendOf('oneHot', [indices]);
  // A scatter of ones: memory and work O(N C), and the scatter kernel checks the range.
  return tidy(() => {
    const zeros = full([...indices.shape, numClasses], 0, { dtype: 'int32', device: backend });
    const ones = full([...indices.shape, 1], 1, { dtype: 'int32', device: backend });
    return scatterAddAs('oneHot', zeros, -1, unsqueeze(indices, -1), ones);
  });
}

/** A copy of `x` with src[c] added at x[c with c[dim] = index[c]]; deterministic on every backend. */
export function scatterAdd(x: Tensor, dim: number, idx: Tensor, src: Tensor): Tensor {
  return scatterAddAs('scatterAdd', x, dim, idx, src);
}

/** scatterAdd under the name of the public op that called it (oneHot), for its errors. */
function scatterAddAs(op: string, x: Tensor, dim: number, idx: Tensor, src: Tensor): Tensor {
  const backend = backendOf(op, [x, idx, src]);
  checkIndexTensor(op, idx);
  const d = normalizeAxis(op, dim, x.ndim);
  if (idx.ndim !== x.ndim || src.ndim !== x.ndim) {
    throw new ShapeError(`${op}: input ${formatShape(x.shape)}, index ${formatShape(idx.shape)} and src ${formatShape(src.shape)} must have the same number of dims`);
  }
  idx.shape.forEach((s, i) => {
    if (s > src.shape[i]! || (i !== d && s > x.shape[i]!)) {
      throw new ShapeError(`${op}: index ${formatShape(idx.shape)} does not fit src ${formatShape(src.shape)} and input ${formatShape(x.shape)} in dimension ${i}`);
    }
  });
  return tidy(() => {
    const out = map(op, [x], x.dtype === 'bool' ? 'int32' : 'promote', (a) => a);
    const s = cast(src, out.dtype);
    if (idx.size > 0) runKernel(backend, { kind: 'scatterAdd', dim: d, op }, [viewOf(idx), viewOf(s)], [viewOf(out)]);
    record(op, [x, idx, s], [out], ([g], [, i]) => [g!, null, gather(g!, d, i!)]);
    return out;
  });
}

/** The k largest (or smallest) entries along `dim`, sorted, with their int32 indices. NaN counts as largest. */
export function topk(x: Tensor, k: number, dim = -1, largest = true): {
  /** The selected values, sorted (largest first when `largest`), with `dim` of size k. */
  values: Tensor;
  /** Their positions along `dim`, int32. */
  indices: Tensor;
} {
  const backend = backendOf('topk', [x]);
  const d = normalizeAxis('topk', dim, Math.max(x.ndim, 1));
  const len = x.ndim === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > len) throw new ValueError(`topk: k = ${k} is out of range for dimension ${d} of size ${len}`);
  const [values, indices] = alongLastDim('topk', x.ndim === 0 ? reshape(x, [1]) : x, d, (moved) => {
    const outShape = [...moved.shape.slice(0, -1), k];
    const vals = empty('topk', backend, outShape, moved.dtype === 'bool' ? 'int32' : moved.dtype);
    const inds = empty('topk', backend, outShape, 'int32');
    const src = moved.dtype === 'bool' ? cast(moved, 'int32') : moved;
    if (vals.size > 0) runKernel(backend, { kind: 'topk', k, largest }, [viewOf(src)], [viewOf(vals), viewOf(inds)]);
    record('topk', [src], [vals, inds], ([g], [xs], [, i]) => [scatterAdd(zerosLike(xs!), -1, i ?? inds, g!)], true);
    return [vals, inds];
  });
  return { values: values!, indices: indices! };
}

/** Joins tensors along an existing dim (dtypes promoted). */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('concat: expected at least one tensor');
  const backend = backendOf('concat', tensors);
  const first = tensors[0]!;
  const d = normalizeAxis('concat', dim, first.ndim);
  let dtype = first.dtype;
  let total = 0;
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new ShapeError(`concat: shapes ${tensors.map((u) => formatShape(u.shape)).join(', ')} differ outside dimension ${d}`);
    }
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[d]!;
  }
  const out = empty('concat', backend, first.shape.map((s, i) => (i === d ? total : s)), dtype);
  let at = 0;
  const starts: number[] = [];
  for (const t of tensors) {
    const len = t.shape[d]!;
    starts.push(at);
    if (len > 0 && t.size > 0) {
      const dst = narrow(out, d, at, len);
      runKernel(backend, { kind: 'elementwise', exprs: [castE(input(0, t.dtype), dtype)] }, [viewOf(t)], [viewOf(dst)]);
      dst.dispose();
    }
    at += len;
  }
  record('concat', tensors, [out], ([g]) => tensors.map((t, i) => narrow(g!, d, starts[i]!, t.shape[d]!)));
  return out;
}

export { concat as cat };

/** Joins tensors of equal shape along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack: expected at least one tensor');
  const first = tensors[0]!;
  for (const t of tensors) {
    if (t.shape.length !== first.ndim || t.shape.some((s, i) => s !== first.shape[i])) {
      throw new ShapeError(`stack: all tensors must have the same shape, got ${tensors.map((u) => formatShape(u.shape)).join(', ')}`);
    }
  }
  const d = normalizeAxis('stack', dim, first.ndim + 1);
  return tidy(() => concat(tensors.map((t) => unsqueeze(t, d)), d));
}

/** Views of consecutive pieces along `dim`: of `size` each (the last may be shorter), or of the listed sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  x.assertLive('split');
  const d = normalizeAxis('split', dim, x.ndim);
  const len = x.shape[d]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) throw new ValueError(`split: size must be a positive integer, got ${sizeOrSections}`);
    sizes = [];
    for (let at = 0; at < len; at += sizeOrSections) sizes.push(Math.min(sizeOrSections, len - at));
    if (len === 0) sizes.push(0);
  } else {
    sizes = [...sizeOrSections];
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sum !== len) {
      throw new ShapeError(`split: sections [${sizes.join(', ')}] must be non-negative and sum to ${len} (dimension ${d} of ${formatShape(x.shape)})`);
    }
  }
  let at = 0;
  return sizes.map((s) => {
    const piece = narrow(x, d, at, s);
    at += s;
    return piece;
  });
}

/** PyTorch's chunk: pieces of ceil(len / chunks), so there may be fewer than `chunks`. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  x.assertLive('chunk');
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ValueError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeAxis('chunk', dim, x.ndim);
  const len = x.shape[d]!;
  return split(x, Math.max(1, Math.ceil(len / chunks)), d);
}

/**
 * Constant padding in PyTorch's F.pad order: (left, right) of the last dim first, then the
 * dim before it. Negative amounts crop.
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  const backend = backendOf('pad', [x]);
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new ValueError(`pad: expected an even number of pad sizes, at most 2 per dimension (${2 * x.ndim}), got ${pads.length}`);
  }
  const before = x.shape.map(() => 0);
  const after = x.shape.map(() => 0);
  for (let i = 0; i < pads.length / 2; i++) {
    const dd = x.ndim - 1 - i;
    before[dd] = pads[2 * i]!;
    after[dd] = pads[2 * i + 1]!;
  }
  const outShape = x.shape.map((s, i) => s + before[i]! + after[i]!);
  if (outShape.some((s) => s < 0)) throw new ShapeError(`pad: padding [${pads.join(', ')}] leaves a negative size for ${formatShape(x.shape)}`);
  return tidy(() => {
    const out = full(outShape, value, { dtype: x.dtype, device: backend });
    // The part of x that survives cropping, and where it lands in out.
    const srcSpec: IndexSpec[] = x.shape.map((s, i) => [Math.max(0, -before[i]!), s - Math.max(0, -after[i]!)]);
    const dstSpec: IndexSpec[] = x.shape.map((_, i) => [Math.max(0, before[i]!), outShape[i]! - Math.max(0, after[i]!)]);
    const src = index(x, ...srcSpec);
    const dst = index(out, ...dstSpec);
    if (src.size > 0) runKernel(backend, { kind: 'elementwise', exprs: [input(0, x.dtype)] }, [viewOf(src)], [viewOf(dst)]);
    // Padding's gradient crops by the same amounts: pad with the amounts negated.
    record('pad', [x], [out], ([g]) => [pad(g!, pads.map((p) => -p))]);
    return out;
  });
}

function triangle(op: 'triu' | 'tril', x: Tensor, diagonal: number): Tensor {
  x.assertLive(op);
  if (x.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dims, got ${formatShape(x.shape)}`);
  const r = x.ndim - 2;
  const c = x.ndim - 1;
  return map(op, [x, diagonal], x.dtype, (v, k) => {
    const diff = call('sub', coord(c), coord(r));
    const keepIt = op === 'triu' ? call('ge', diff, k!) : call('le', diff, k!);
    return call('select', keepIt, v, lit(0, v.dtype));
  }, { castTo: [null, 'int32'], grad: (g) => [triangle(op, g, diagonal), null] });
}

/** Upper triangle of the last two dims (elements with col - row >= diagonal), zeros elsewhere. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle('triu', x, diagonal);
/** Lower triangle of the last two dims (col - row <= diagonal). */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle('tril', x, diagonal);

