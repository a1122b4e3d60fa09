import { AxisError, ShapeError, ValueError } from './errors.js';

/** Sizes of a tensor's dimensions, outermost first; `[]` is a 0-d tensor. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Row-major strides, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== s) return false;
    s *= d;
  }
  return true;
}

export function checkShape(op: string, shape: Shape): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: shape ${formatShape(shape)} must hold non-negative integers`);
    }
  }
  return [...shape];
}

/** NumPy broadcasting of any number of shapes. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i;
      const d = s[i]!;
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(formatShape).join(' and ')} cannot be broadcast together ` +
            `(dimension ${j - ndim} is ${out[j]} in one and ${d} in another)`,
        );
      }
    }
  }
  return out;
}

/** Strides that read a tensor of `shape` as if it had the broadcast shape `target` (0 on repeated dims). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i]!;
  }
  return out;
}

export function normalizeAxis(op: string, axis: number, ndim: number): number {
  const n = Math.max(ndim, 0);
  if (!Number.isInteger(axis) || axis < -Math.max(n, 1) || axis >= Math.max(n, 1)) {
    throw new AxisError(
      `${op}: axis ${axis} is out of range for a tensor of ${ndim} dimension${ndim === 1 ? '' : 's'} ` +
        `(expected an integer in [${-Math.max(n, 1)}, ${Math.max(n, 1) - 1}])`,
    );
  }
  return axis < 0 ? axis + Math.max(n, 1) : axis;
}

/** Axes for a reduction: undefined or null means all; duplicates are an error. Returned sorted. */
export function normalizeAxes(op: string, axes: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => (ndim === 0 ? normalizeAxis(op, a, 1) && 0 : normalizeAxis(op, a, ndim)));
  if (ndim === 0) return [];
  const seen = new Set<number>();
  for (const a of out) {
    if (seen.has(a)) throw new AxisError(`${op}: axis ${a} appears more than once in [${list.join(', ')}]`);
    seen.add(a);
  }
  return out.sort((a, b) => a - b);
}

/** Resolves a single -1 in a target shape of `size` elements. */
export function inferShape(op: string, shape: Shape, size: number, from: Shape): number[] {
  let infer = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new ShapeError(`${op}: only one dimension can be -1, got ${formatShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid dimension ${d} in ${formatShape(shape)}`);
    } else known *= d;
  });
  const out = [...shape];
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(shape)}`);
    }
    out[infer] = size / known;
  }
  if (sizeOf(out) !== size) {
    throw new ShapeError(`${op}: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(shape)}`);
  }
  return out;
}

/**
 * Strides for viewing (shape, strides) as newShape without a copy, or null when the memory
 * layout does not allow it (PyTorch's `view` rule: merge and split only runs of dims that are
 * contiguous with each other).
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  const size = sizeOf(shape);
  if (size === 0 || shape.length === 0) return contiguousStrides(newShape);
  // Drop size-1 dims of the source: they do not constrain the layout.
  const os: number[] = [];
  const ost: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) {
      os.push(d);
      ost.push(strides[i]!);
    }
  });
  const out = new Array<number>(newShape.length);
  let oi = 0;
  let ni = 0;
  while (ni < newShape.length || oi < os.length) {
    if (ni < newShape.length && newShape[ni] === 1) {
      out[ni] = 1;
      ni++;
      continue;
    }
    if (oi >= os.length || ni >= newShape.length) return null;
    // Take a chunk of old dims and a chunk of new dims with equal products.
    let op = os[oi]!;
    let np = newShape[ni]!;
    const oStart = oi;
    const nStart = ni;
    oi++;
    ni++;
    while (op !== np) {
      if (op < np) {
        if (oi >= os.length) return null;
        op *= os[oi++]!;
      } else {
        while (ni < newShape.length && newShape[ni] === 1) ni++;
        if (ni >= newShape.length) return null;
        np *= newShape[ni++]!;
      }
    }
    // The old chunk must be contiguous in itself.
    for (let k = oStart; k < oi - 1; k++) {
      if (ost[k] !== ost[k + 1]! * os[k + 1]!) return null;
    }
    let s = ost[oi - 1]!;
    for (let k = ni - 1; k >= nStart; k--) {
      out[k] = s;
      s *= newShape[k]!;
    }
  }
  return out;
}

/**
 * Merges adjacent dimensions that every view walks contiguously, so kernels loop over as few
 * dimensions as possible. Returns the coalesced shape and the strides of each view.
 */
export function coalesceDims(shape: Shape, stridesList: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((st, v) => outStrides[v]![last] === st[i]! * d)) {
      outShape[last] = outShape[last]! * d;
      stridesList.forEach((st, v) => (outStrides[v]![last] = st[i]!));
    } else {
      outShape.push(d);
      stridesList.forEach((st, v) => outStrides[v]!.push(st[i]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

export function checkNonNegativeInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: ${name} must be a non-negative integer, got ${v}`);
}
