/** Walking strided views on the host: the cpu backend's loops. */

/**
 * Calls fn(offset, coords) for every element of a strided view in row-major order. `coords` is
 * reused between calls; copy it if kept.
 */
export function forEachIndex(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  fn: (offset: number, coords: number[]) => void,
): void {
  const nd = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  if (n === 0) return;
  const c = new Array<number>(nd).fill(0);
  let off = offset;
  for (let i = 0; i < n; i++) {
    fn(off, c);
    for (let d = nd - 1; d >= 0; d--) {
      c[d]!++;
      off += strides[d]!;
      if (c[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      c[d] = 0;
    }
  }
}

/** The element offsets of a strided view, in row-major order. */
export function offsetsOf(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  let n = 1;
  for (const d of shape) n *= d;
  const out = new Int32Array(n);
  let i = 0;
  forEachIndex(shape, strides, offset, (o) => (out[i++] = o));
  return out;
}
