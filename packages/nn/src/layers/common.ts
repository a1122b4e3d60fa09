import { DeviceMismatchError, DTypeError, ShapeError, Tensor, ValueError, isFloat, type Backend, type DType } from '@nonlinear/tensor';

/** Where a layer creates its parameters. */
export interface LayerOptions {
  /** 'cpu', 'webgpu' or a backend object; defaults to the current backend. */
  device?: string | Backend;
  /** float32 (default) or float64 (cpu only). */
  dtype?: DType;
}

/** Throws unless `n` is a positive integer; `what` names the argument in the message. */
export function checkPositiveInt(layer: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) throw new ValueError(`${layer}: ${what} must be a positive integer, got ${n}`);
}

/** Throws unless `p` is a probability. */
export function checkProbability(layer: string, what: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError(`${layer}: ${what} must be in [0, 1], got ${p}`);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks a layer's float input against one of its parameters (if it has one): a live tensor,
 * on the same backend, of the same dtype. The layer's name leads every message, so the failing
 * layer of a deep model is found at once.
 */
export function checkFloatInput(layer: string, x: unknown, like: Tensor | null): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${layer}: input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.assertLive(layer);
  if (!isFloat(x.dtype)) throw new DTypeError(`${layer}: input must be float32 or float64, got ${x.dtype}`);
  if (!like) return;
  if (x.dtype !== like.dtype) throw new DTypeError(`${layer}: input is ${x.dtype} but the parameters are ${like.dtype}`);
  checkDevice(layer, x, like);
}

export function checkDevice(layer: string, x: Tensor, like: Tensor): void {
  if (x.backend !== like.backend) {
    throw new DeviceMismatchError(`${layer}: input is on ${x.device} but the parameters are on ${like.device}; move one of them (await module.to('${x.device}'))`);
  }
}

/** Throws ShapeError unless x's trailing dims equal `trailing`. */
export function checkTrailing(layer: string, x: Tensor, trailing: readonly number[], what = 'input'): void {
  const k = trailing.length;
  const ok = x.ndim >= k && trailing.every((s, i) => x.shape[x.ndim - k + i] === s);
  if (!ok) throw new ShapeError(`${layer}: expected ${what} of shape [..., ${trailing.join(', ')}], got ${formatShape(x.shape)}`);
}
