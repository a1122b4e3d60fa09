/** The element types a tensor can hold. float64 exists on the cpu backend only. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every {@link DType}, narrowest first. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The typed arrays tensor data is read into and created from (`bool` as Uint8Array of 0/1). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** The typed array a dtype reads back as (`bool` reads as Uint8Array of 0/1). */
export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

/** True for float32 and float64: the dtypes that take gradients and float-only math. */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function typedArrayFor(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

export function dtypeOfTypedArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Type promotion as PyTorch does it for tensors of the same category rank: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Result dtype of a tensor combined with a JS number, as PyTorch treats a Python scalar:
 * the scalar only lifts the category (int tensor + 2.5 gives float32), never the width.
 */
export function promoteWithScalar(dtype: DType, value: number | boolean): DType {
  if (typeof value === 'boolean') return dtype;
  if (isFloat(dtype)) return dtype;
  if (Number.isInteger(value)) return dtype === 'bool' ? 'int32' : dtype;
  return 'float32';
}

/** The dtype float-only math (exp, log, ...) computes in: ints and bools become float32. */
export function floatTypeOf(dtype: DType): DType {
  return isFloat(dtype) ? dtype : 'float32';
}
