import type { Backend } from '../backend/backend.js';
import { backendByName, getBackend } from '../backend/select.js';
import type { DType, TypedArray } from '../dtype.js';
import { dtypeOfTypedArray, isDType, isFloat, typedArrayFor } from '../dtype.js';
import { DataError, DTypeError, ValueError } from '../errors.js';
import { call, cast, coord, scalar, type Expr } from '../expr.js';
import { checkShape, formatShape, sizeOf } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { checkDType, empty, runKernel, viewOf } from './core.js';

/** Options every creation function takes. */
export interface CreationOptions {
  /** Element type; float32 unless the function says otherwise. */
  dtype?: DType;
  /** 'cpu', 'webgpu' (started with setBackend/initBackend) or a backend object; defaults to the current backend. */
  device?: string | Backend;
  /** Make the new tensor a leaf that gradients flow to. */
  requiresGrad?: boolean;
}

/** Applies the requiresGrad option to a freshly created tensor. */
export function finish(t: Tensor, options: CreationOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** The backend a `device` option names; `op` is the calling op, named in the error for a bad name. */
export function resolveDevice(device: string | Backend | undefined, op: string): Backend {
  if (device === undefined) return getBackend();
  return typeof device === 'string' ? backendByName(device, op) : device;
}

function checkOptions(op: string, options: CreationOptions): void {
  if (options.dtype !== undefined && !isDType(options.dtype)) {
    throw new DTypeError(`${op}: unknown dtype '${String(options.dtype)}' (expected float32, float64, int32 or bool)`);
  }
}

/** Uploads a typed array as a new tensor. */
function upload(op: string, backend: Backend, data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  checkDType(op, backend, dtype);
  const out = empty(op, backend, shape, dtype);
  const src = dtypeOfTypedArray(data) === dtype && !(dtype === 'bool' && !(data instanceof Uint8Array)) ? data : convert(data, dtype);
  backend.write(out.storage.buffer, dtype, src);
  return out;
}

function convert(data: ArrayLike<number>, dtype: DType): TypedArray {
  const out = typedArrayFor(dtype, data.length);
  for (let i = 0; i < data.length; i++) out[i] = dtype === 'bool' ? (data[i] ? 1 : 0) : dtype === 'int32' ? Math.trunc(data[i]!) : data[i]!;
  return out;
}

function inferShapeOf(data: unknown): number[] {
  const shape: number[] = [];
  let v = data;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

function flattenNested(data: NestedArray, shape: readonly number[], op: string): (number | boolean)[] {
  const out: (number | boolean)[] = [];
  const walk = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number' && typeof v !== 'boolean') {
        throw new DataError(`${op}: expected a number or boolean at depth ${dim}, got ${Array.isArray(v) ? 'an array' : typeof v}`);
      }
      out.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new DataError(`${op}: ragged nested array: expected ${shape[dim]} elements at depth ${dim} (shape ${formatShape(shape)})`);
    }
    for (const x of v) walk(x, dim + 1);
  };
  walk(data, 0);
  return out;
}

/**
 * A tensor from nested arrays, a typed array (with `shape`), or a number. Numbers give float32
 * unless `dtype` says otherwise (as in TensorFlow.js); booleans give bool; typed arrays keep
 * their type.
 */
export function tensor(data: NestedArray | TypedArray, options: CreationOptions & { shape?: readonly number[] } = {}): Tensor {
  checkOptions('tensor', options);
  const backend = resolveDevice(options.device, 'tensor');
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    const shape = options.shape ? checkShape('tensor', options.shape) : [arr.length];
    if (sizeOf(shape) !== arr.length) {
      throw new DataError(`tensor: ${arr.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
    }
    return finish(upload('tensor', backend, arr, shape, options.dtype ?? dtypeOfTypedArray(arr)), options);
  }
  const inferred = inferShapeOf(data);
  const flat = flattenNested(data, inferred, 'tensor');
  const shape = options.shape ? checkShape('tensor', options.shape) : inferred;
  if (sizeOf(shape) !== flat.length) {
    throw new DataError(`tensor: ${flat.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
  }
  const dtype = options.dtype ?? (flat.length > 0 && typeof flat[0] === 'boolean' ? 'bool' : 'float32');
  return finish(upload('tensor', backend, convert(flat.map(Number), dtype), shape, dtype), options);
}

/** A tensor from an expression with no inputs (a fill, a ramp): computed on the device, nothing uploaded. */
function generate(op: string, shape: readonly number[], options: CreationOptions, dflt: DType, f: (s: (i: number, dtype: DType) => Expr) => Expr, scalars: number[]): Tensor {
  checkOptions(op, options);
  const backend = resolveDevice(options.device, op);
  const dtype = options.dtype ?? dflt;
  const expr = cast(f((i, dt) => scalar(i, dt)), dtype);
  const out = empty(op, backend, shape, dtype);
  if (out.size > 0) runKernel(backend, { kind: 'elementwise', exprs: [expr] }, [], [viewOf(out)], scalars);
  return finish(out, options);
}

function shapeArg(op: string, shape: readonly number[] | number): number[] {
  return checkShape(op, typeof shape === 'number' ? [shape] : shape);
}

/** full() under the name of the op the caller used, so its errors name that op (zeros, onesLike...). */
function fill(op: string, shape: readonly number[] | number, value: number | boolean, options: CreationOptions): Tensor {
  const dflt: DType = typeof value === 'boolean' ? 'bool' : 'float32';
  const dtype = options.dtype ?? dflt;
  return generate(op, shapeArg(op, shape), options, dflt, (s) => s(0, dtype), [Number(value)]);
}

/**
 * A tensor of `shape` filled with `value` (`torch.full`); bool for a boolean value, else float32
 * unless `dtype` is given.
 */
export function full(shape: readonly number[] | number, value: number | boolean, options: CreationOptions = {}): Tensor {
  return fill('full', shape, value, options);
}
/** A tensor of zeros (`torch.zeros`), float32 by default. */
export const zeros = (shape: readonly number[] | number, options: CreationOptions = {}): Tensor => fill('zeros', shape, 0, options);
/** A tensor of ones (`torch.ones`), float32 by default. */
export const ones = (shape: readonly number[] | number, options: CreationOptions = {}): Tensor => fill('ones', shape, 1, options);

function like(op: string, x: Tensor, options: CreationOptions): CreationOptions {
  x.assertLive(op);
  return { dtype: options.dtype ?? x.dtype, device: options.device ?? x.backend };
}
/**
 * Zeros with the shape, dtype and device of `x` unless options override them (`torch.zeros_like`).
 */
export const zerosLike = (x: Tensor, options: CreationOptions = {}): Tensor => fill('zerosLike', x.shape, 0, like('zerosLike', x, options));
/** Ones with the shape, dtype and device of `x` (`torch.ones_like`). */
export const onesLike = (x: Tensor, options: CreationOptions = {}): Tensor => fill('onesLike', x.shape, 1, like('onesLike', x, options));
/** `value` with the shape, dtype and device of `x` (`torch.full_like`). */
export const fullLike = (x: Tensor, value: number, options: CreationOptions = {}): Tensor => fill('fullLike', x.shape, value, like('fullLike', x, options));

/**
 * Values start, start + step, ... below end (PyTorch's arange). With one argument it is the end.
 * float32 unless every argument is an integer and dtype says int32.
 */
export function arange(start: number, end?: number, step = 1, options: CreationOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new ValueError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? 'float32';
  const ct: DType = isFloat(dtype) ? dtype : 'float32';
  return generate('arange', [n], options, 'float32', (s) => call('add', s(0, ct), call('mul', cast(coord(0), ct), s(1, ct))), [start, step]);
}

/** `steps` evenly spaced values from start to end inclusive, computed symmetrically from both ends as PyTorch does. */
export function linspace(start: number, end: number, steps: number, options: CreationOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const dtype = options.dtype ?? 'float32';
  const ct: DType = isFloat(dtype) ? dtype : 'float32';
  return generate('linspace', [steps], options, 'float32', (s) => {
    const i = cast(coord(0), ct);
    const fromStart = call('add', s(0, ct), call('mul', i, s(2, ct)));
    const fromEnd = call('sub', s(1, ct), call('mul', call('sub', s(3, ct), i), s(2, ct)));
    return call('select', call('lt', i, s(4, ct)), fromStart, fromEnd);
  }, [start, end, step, steps - 1, Math.max(1, Math.floor(steps / 2))]);
}

/** Identity matrix n x m (m defaults to n). */
export function eye(n: number, m = n, options: CreationOptions = {}): Tensor {
  return generate('eye', shapeArg('eye', [n, m]), options, 'float32', () => call('eq', coord(0), coord(1)), []);
}

/** A copy of a tensor on another backend. */
export async function toDevice(x: Tensor, device: string | Backend): Promise<Tensor> {
  x.assertLive('to');
  const target = resolveDevice(device, 'to');
  if (target === x.backend) return new Tensor(x.storage, x.shape, x.strides, x.offset);
  if (!target.supportsDType(x.dtype)) throw new DTypeError(`to: ${x.dtype} is not supported by the ${target.name} backend`);
  return upload('to', target, await x.data(), x.shape, x.dtype);
}
