/**
 * The typed errors every package reuses. Each message names the operation and what was wrong
 * with its input, so a failure deep inside a model still says where it came from.
 */
export class NonlinearError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together: broadcasting, matmul, concat, reshape... */
export class ShapeError extends NonlinearError {}

/** An axis (dim) outside [-ndim, ndim). */
export class AxisError extends NonlinearError {}

/** A dtype an operation does not accept, or two that may not be mixed. */
export class DTypeError extends NonlinearError {}

/** An index outside the range of the dimension it indexes. */
export class IndexError extends NonlinearError {}

/** Use of a tensor after `dispose()`. */
export class DisposedError extends NonlinearError {}

/** Data whose length or structure does not match the requested shape. */
export class DataError extends NonlinearError {}

/** A backend that is missing, misconfigured, or asked for something it cannot do. */
export class BackendError extends NonlinearError {}

/** Tensors from two different backends (or two devices) used in one operation. */
export class DeviceMismatchError extends NonlinearError {}

/** An allocation that the device refused or that exceeds the adapter's limits. */
export class OutOfMemoryError extends NonlinearError {}

/** The GPU device was lost (driver reset, `destroy()`); every later operation fails with this. */
export class DeviceLostError extends NonlinearError {}

/** An argument with a bad value (negative size, k larger than the dimension...). */
export class ValueError extends NonlinearError {}

/** Too much GPU work queued without waiting for any of it: await a read or sync() in long loops. */
export class BacklogError extends NonlinearError {}
