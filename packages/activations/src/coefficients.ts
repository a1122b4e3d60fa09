import * as T from '@nonlinear/tensor';
import { DTypeError, ShapeError, ValueError, type Backend, type DType, type Tensor } from '@nonlinear/tensor';

/**
 * The coefficient layout shared by every PolyCom activation, after the authors' code
 * (BryceZhuo/PolyCom): `weight` is a vector of r scalars whose entry i multiplies the power
 * r - i (the highest power first), and `bias` is the constant term a_0, of shape [1] (a 0-d
 * tensor is accepted too). In the spec's notation, a_i = weight[r - i] for i = 1..r and
 * a_0 = bias.
 */

/** Checks `weight` and `bias` and returns the order r (the length of `weight`). */
export function checkCoefficients(op: string, x: Tensor, weight: Tensor, bias: Tensor): number {
  for (const [name, t] of [['x', x], ['weight', weight], ['bias', bias]] as const) {
    if (!(t instanceof T.Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
    t.assertLive(op);
    if (!T.isFloat(t.dtype)) throw new DTypeError(`${op}: ${name} must be float32 or float64, got ${t.dtype}`);
  }
  if (weight.ndim !== 1 || weight.shape[0]! < 1) {
    throw new ShapeError(`${op}: weight must be a vector [r] of the r >= 1 coefficients (highest power first), got shape [${weight.shape.join(', ')}]`);
  }
  if (bias.size !== 1 || bias.ndim > 1) throw new ShapeError(`${op}: bias must have shape [1] (or be 0-d), got [${bias.shape.join(', ')}]`);
  return weight.shape[0]!;
}

/** Coefficients in the stored layout, as plain numbers. */
export interface StoredLayout {
  /** The values a_r, ..., a_1: the highest power first. */
  weight: number[];
  /** One value, a_0. */
  bias: number[];
}

/** Coefficient tensors in the stored layout. */
export interface CoefficientTensors {
  /** Shape [r]: a_r, ..., a_1. */
  weight: Tensor;
  /** Shape [1]: a_0. */
  bias: Tensor;
}

/**
 * The spec's coefficients [a_0, a_1, ..., a_r] in the stored layout: `weight` = [a_r, ..., a_1]
 * and `bias` = [a_0].
 */
export function toStoredLayout(coefficients: readonly number[]): StoredLayout {
  if (coefficients.length < 2 || coefficients.some((c) => typeof c !== 'number' || !Number.isFinite(c))) {
    throw new ValueError(`coefficients must be [a_0, a_1, ..., a_r] with r >= 1 finite numbers, got ${JSON.stringify(coefficients)}`);
  }
  return { weight: coefficients.slice(1).reverse(), bias: [coefficients[0]!] };
}

/** The stored layout back in the spec's order [a_0, a_1, ..., a_r]. */
export function fromStoredLayout(weight: ArrayLike<number>, bias: ArrayLike<number>): number[] {
  return [bias[0]!, ...Array.from(weight).reverse()];
}

/** Where and how coefficients are created. */
export interface CoefficientOptions {
  /** 'cpu', 'webgpu' or a backend object; defaults to the current backend. */
  device?: string | Backend;
  /** float32 (default) or float64 (cpu only). */
  dtype?: DType;
}

/**
 * New coefficient tensors of order r: the given [a_0, ..., a_r], or the authors' init
 * (a_1 = ... = a_r = 1/r, so 1/3 each for r = 3, and a_0 = 0).
 */
export function initCoefficients(order: number, coefficients: readonly number[] | undefined, options: CoefficientOptions): CoefficientTensors {
  if (!Number.isInteger(order) || order < 1) throw new ValueError(`order must be a positive integer, got ${order}`);
  const init = coefficients ?? [0, ...Array.from({ length: order }, () => 1 / order)];
  if (init.length !== order + 1) throw new ValueError(`coefficients must hold order + 1 = ${order + 1} numbers [a_0, ..., a_${order}], got ${init.length}`);
  const { weight, bias } = toStoredLayout(init);
  const opts = { device: options.device, dtype: options.dtype ?? 'float32' };
  return { weight: T.tensor(weight, opts), bias: T.tensor(bias, opts) };
}

/**
 * 0-d views of each coefficient (weight[0], ..., weight[r-1], bias) on detached handles: operands
 * for one kernel that are not recorded by autograd (the fused op records itself).
 */
export function coefficientViews(weight: Tensor, bias: Tensor): Tensor[] {
  const w = weight.detach();
  const b = bias.detach();
  const views = [...Array.from({ length: weight.shape[0]! }, (_, i) => w.select(0, i)), b.reshape([])];
  w.dispose();
  b.dispose();
  return views;
}

/** Each coefficient as a 0-d tensor that autograd follows back to `weight` / `bias` (for compositions). */
export function coefficientScalars(weight: Tensor, bias: Tensor): { w: Tensor[]; b: Tensor } {
  return { w: Array.from({ length: weight.shape[0]! }, (_, i) => weight.select(0, i)), b: bias.reshape([]) };
}
