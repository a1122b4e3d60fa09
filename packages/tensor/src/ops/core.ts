import type { Backend } from '../backend/backend.js';
import type { Kernel, View } from '../backend/kernel.js';
import { getBackend } from '../backend/select.js';
import type { DType } from '../dtype.js';
import { DTypeError, DeviceMismatchError } from '../errors.js';
import { broadcastStrides, checkShape, type Shape } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';

/**
 * The plumbing every op shares: which backend runs it, fresh outputs, views for kernels.
 * Ops above this file never touch buffers.
 */

/** The backend of an op's tensor inputs: all must agree and be live. Defaults to the current backend. */
export function backendOf(op: string, tensors: readonly Tensor[]): Backend {
  let b: Backend | null = null;
  for (const t of tensors) {
    t.assertLive(op);
    if (b && t.backend !== b) {
      throw new DeviceMismatchError(`${op}: tensors are on different backends (${b.name} and ${t.backend.name}); move one with await t.to('${b.name}')`);
    }
    b = t.backend;
  }
  return b ?? getBackend();
}

export function checkDType(op: string, backend: Backend, dtype: DType): void {
  if (!backend.supportsDType(dtype)) {
    throw new DTypeError(`${op}: ${dtype} is not supported by the ${backend.name} backend (use the cpu backend for ${dtype})`);
  }
}

/** A new contiguous tensor with uninitialised contents. */
export function empty(op: string, backend: Backend, shape: Shape, dtype: DType): Tensor {
  const s = checkShape(op, shape);
  checkDType(op, backend, dtype);
  const size = s.reduce((a, b) => a * b, 1);
  const buffer = backend.alloc(size, dtype, op);
  return new Tensor(new Storage(backend, buffer, size, dtype), s);
}

/** A view of a tensor's storage for a kernel, optionally broadcast to `shape`. */
export function viewOf(t: Tensor, shape?: Shape): View {
  return {
    buffer: t.storage.buffer,
    dtype: t.dtype,
    shape: shape ?? t.shape,
    strides: shape ? broadcastStrides(t.shape, t.strides, shape) : t.strides,
    offset: t.offset,
  };
}

/** Records a kernel on the backend of its tensors. */
export function runKernel(backend: Backend, kernel: Kernel, inputs: readonly View[], outputs: readonly View[], scalars?: readonly number[]): void {
  backend.run(kernel, inputs, outputs, scalars);
}

/** A view of the same storage with new geometry. */
export function restride(t: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(t.storage, shape, strides, offset);
}
