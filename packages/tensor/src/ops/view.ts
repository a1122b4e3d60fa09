import { IndexError, ShapeError, ValueError } from '../errors.js';
import { formatShape, inferShape, normalizeAxis, sizeOf, viewStrides } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { record } from '../autograd/tape.js';
import { backendOf, empty, restride, runKernel, viewOf } from './core.js';
import { identity, map } from './elementwise.js';
import { input } from '../expr.js';

/** Records a view op whose gradient is `back(g)`. */
function viewOp(op: string, x: Tensor, out: Tensor, back: (g: Tensor) => Tensor): Tensor {
  record(op, [x], [out], (gs) => [back(gs[0]!)]);
  return out;
}

/** Shape ops. Every one here is a view sharing storage, except where a copy is unavoidable (reshape of a non-viewable layout, contiguous, clone). */

/** A copy in row-major layout, or a new handle on the same storage when already contiguous. */
export function contiguous(x: Tensor): Tensor {
  x.assertLive('contiguous');
  if (x.isContiguous) return identity('contiguous', x);
  return map('contiguous', [x], x.dtype, (a) => a, { grad: (g) => [g] });
}

/** A copy that owns its storage. */
export function clone(x: Tensor): Tensor {
  return map('clone', [x], x.dtype, (a) => a, { grad: (g) => [g] });
}

/** A view with a new shape; fails (like PyTorch's view) when the layout does not allow one. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  x.assertLive('view');
  const target = inferShape('view', shape, x.size, x.shape);
  const strides = viewStrides(x.shape, x.strides, target);
  if (!strides) {
    throw new ShapeError(`view: a tensor of shape ${formatShape(x.shape)} with strides [${x.strides.join(', ')}] cannot be viewed as ${formatShape(target)}; use reshape (which copies)`);
  }
  return viewOp('view', x, restride(x, target, strides, x.offset), (g) => reshape(g, x.shape));
}

/** A tensor with a new shape: a view when the layout allows, otherwise a copy. One dim may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x.assertLive('reshape');
  const target = inferShape('reshape', shape, x.size, x.shape);
  const strides = viewStrides(x.shape, x.strides, target);
  if (strides) return viewOp('reshape', x, restride(x, target, strides, x.offset), (g) => reshape(g, x.shape));
  const c = contiguous(x);
  const out = viewOp('reshape', c, restride(c, target, viewStrides(c.shape, c.strides, target)!, c.offset), (g) => reshape(g, c.shape));
  c.dispose();
  return out;
}

/** A view with the dims reordered: output dim i is input dim `dims[i]` (`torch.permute`). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  x.assertLive('permute');
  if (dims.length !== x.ndim) {
    throw new ShapeError(`permute: got ${dims.length} dims [${dims.join(', ')}] for a tensor of ${x.ndim} dimensions ${formatShape(x.shape)}`);
  }
  const d = dims.map((a) => normalizeAxis('permute', a, x.ndim));
  if (new Set(d).size !== d.length) throw new ShapeError(`permute: dims [${dims.join(', ')}] repeat a dimension`);
  const inverse = d.map((_, i) => d.indexOf(i));
  return viewOp('permute', x, restride(x, d.map((i) => x.shape[i]!), d.map((i) => x.strides[i]!), x.offset), (g) => permute(g, inverse));
}

/** A view with `dim0` and `dim1` swapped (`torch.transpose`); never copies. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  x.assertLive('transpose');
  if (x.ndim < 2 && dim0 === -2 && dim1 === -1) return identity('transpose', x);
  const a = normalizeAxis('transpose', dim0, x.ndim);
  const b = normalizeAxis('transpose', dim1, x.ndim);
  const order = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, order);
}

/** Repeats size-1 dims (and adds leading dims) without copying; -1 keeps a dim. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  x.assertLive('expand');
  if (shape.length < x.ndim) {
    throw new ShapeError(`expand: target ${formatShape(shape)} has fewer dimensions than the tensor ${formatShape(x.shape)}`);
  }
  const lead = shape.length - x.ndim;
  const outShape: number[] = [];
  const strides: number[] = [];
  shape.forEach((d, i) => {
    const j = i - lead;
    const src = j >= 0 ? x.shape[j]! : 1;
    const size = d === -1 ? (j >= 0 ? src : NaN) : d;
    if (!Number.isInteger(size) || size < 0 || (src !== 1 && src !== size)) {
      throw new ShapeError(`expand: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)} (dimension ${i})`);
    }
    outShape.push(size);
    strides.push(j >= 0 && src === size ? x.strides[j]! : 0);
  });
  // The gradient of a broadcast is summed back to x's shape by autograd itself.
  return viewOp('expand', x, restride(x, outShape, strides, x.offset), (g) => g);
}

/** One dim of basic indexing: a number selects (and drops the dim), `[start, end, step]` slices (null or missing parts take the default), null keeps the dim. */
export type IndexSpec = number | null | readonly (number | null | undefined)[];

/** Python slice semantics for positive steps, with clamping of start and end. */
function sliceBounds(len: number, start: number | null | undefined, end: number | null | undefined, step: number): [number, number] {
  const norm = (v: number, dflt: number): number => {
    if (v === null || v === undefined) return dflt;
    const r = v < 0 ? v + len : v;
    return Math.min(Math.max(r, 0), len);
  };
  const s = norm(start as number, 0);
  const e = norm(end as number, len);
  return [s, e > s ? Math.ceil((e - s) / step) : 0];
}

/** Basic indexing like x[1, 2:5, ::2] in PyTorch: a view. */
export function index(x: Tensor, ...specs: IndexSpec[]): Tensor {
  x.assertLive('index');
  if (specs.length > x.ndim) {
    throw new IndexError(`index: ${specs.length} indices for a tensor of ${x.ndim} dimensions ${formatShape(x.shape)}`);
  }
  let offset = x.offset;
  const shape: number[] = [];
  const strides: number[] = [];
  x.shape.forEach((len, d) => {
    const spec = specs[d];
    const stride = x.strides[d]!;
    if (spec === undefined || spec === null) {
      shape.push(len);
      strides.push(stride);
    } else if (typeof spec === 'number') {
      if (!Number.isInteger(spec) || spec < -len || spec >= len) {
        throw new IndexError(`index: index ${spec} is out of range for dimension ${d} of size ${len}`);
      }
      offset += (spec < 0 ? spec + len : spec) * stride;
    } else {
      const step = spec[2] ?? 1;
      if (!Number.isInteger(step) || step <= 0) throw new ValueError(`index: slice step must be a positive integer, got ${step} (dimension ${d})`);
      const [s, n] = sliceBounds(len, spec[0], spec[1], step);
      offset += s * stride;
      shape.push(n);
      strides.push(stride * step);
    }
  });
  return viewOp('index', x, restride(x, shape, strides, n0(shape) ? x.offset : offset), (g) => sliceScatter(g, x.shape, specs));
}

/** Zeros of `shape` with `src` written at index(...specs): the gradient of basic indexing. */
export function sliceScatter(src: Tensor, shape: readonly number[], specs: readonly IndexSpec[]): Tensor {
  const backend = backendOf('sliceScatter', [src]);
  const out = empty('sliceScatter', backend, shape, src.dtype);
  runKernel(backend, { kind: 'elementwise', exprs: [{ k: 'const', v: 0, dtype: src.dtype }] }, [], [viewOf(out)]);
  const dst = index(out, ...specs);
  if (dst.size > 0) runKernel(backend, { kind: 'elementwise', exprs: [input(0, src.dtype)] }, [viewOf(src)], [viewOf(dst)]);
  dst.dispose();
  record('sliceScatter', [src], [out], (gs) => [index(gs[0]!, ...specs)]);
  return out;
}

const n0 = (shape: readonly number[]): boolean => sizeOf(shape) === 0;

/**
 * A view of `length` entries of `dim` from `start` (negative counts from the end) (`torch.narrow`).
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  x.assertLive('narrow');
  const d = normalizeAxis('narrow', dim, x.ndim);
  const len = x.shape[d]!;
  const s = start < 0 ? start + len : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > len) {
    throw new IndexError(`narrow: start ${start} and length ${length} do not fit dimension ${d} of size ${len}`);
  }
  const specs: IndexSpec[] = x.shape.map(() => null);
  specs[d] = [s, s + length, 1];
  return index(x, ...specs);
}

/**
 * A view of entry `i` of `dim`, with that dim removed (`torch.select`); negative `i` counts from
 * the end.
 */
export function select(x: Tensor, dim: number, i: number): Tensor {
  x.assertLive('select');
  const d = normalizeAxis('select', dim, x.ndim);
  const len = x.shape[d]!;
  // Checked here, not left to index(), so the error names select.
  if (!Number.isInteger(i) || i < -len || i >= len) {
    throw new IndexError(`select: index ${i} is out of range for dimension ${d} of size ${len} (shape ${formatShape(x.shape)})`);
  }
  const specs: IndexSpec[] = x.shape.map(() => null);
  specs[d] = i;
  return index(x, ...specs);
}

/** Removes size-1 dims: all of them, or those listed (a listed dim that is not size 1 is kept, as in PyTorch). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  x.assertLive('squeeze');
  const dims =
    dim === undefined
      ? x.shape.map((_, i) => i)
      : (typeof dim === 'number' ? [dim] : [...dim]).map((a) => normalizeAxis('squeeze', a, x.ndim));
  const shape: number[] = [];
  const strides: number[] = [];
  x.shape.forEach((s, i) => {
    if (s === 1 && dims.includes(i)) return;
    shape.push(s);
    strides.push(x.strides[i]!);
  });
  return viewOp('squeeze', x, restride(x, shape, strides, x.offset), (g) => reshape(g, x.shape));
}

/** A view with a size-1 dim inserted at `dim` (`torch.unsqueeze`); `dim` may be -1 to append. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  x.assertLive('unsqueeze');
  const d = normalizeAxis('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape];
  const strides = [...x.strides];
  const inner = d < x.ndim ? x.strides[d]! * x.shape[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, inner);
  return viewOp('unsqueeze', x, restride(x, shape, strides, x.offset), (g) => reshape(g, x.shape));
}

/** Merges dims startDim..endDim into one (a view when the layout allows). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  x.assertLive('flatten');
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', startDim, x.ndim);
  const e = normalizeAxis('flatten', endDim, x.ndim);
  if (s > e) throw new ValueError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}
