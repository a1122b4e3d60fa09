import * as T from '@nonlinear/tensor';
import { ValueError, ones, tidy, zeros, type Tensor } from '@nonlinear/tensor';
import { Module } from '../module.js';
import { checkFloatInput, checkPositiveInt, checkTrailing, type LayerOptions } from './common.js';

/** Normalises over the trailing `normalizedShape.length` dims (F.layer_norm): population variance, eps inside the root. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  // One row-program kernel over the normalized dims, flattened into the last one.
  return overTrailing(x, normalizedShape, [weight, bias], (rows, [w, b]) => T.layerNorm(rows, w, b, eps));
}

export interface LayerNormOptions extends LayerOptions {
  /** Added to the variance (default 1e-5, as in PyTorch). */
  eps?: number;
  /** Learn a gain (ones) and, unless bias is false, a bias (zeros); default true. */
  elementwiseAffine?: boolean;
  /** Learn a bias as well as the gain (default true; ignored without elementwiseAffine). */
  bias?: boolean;
}

/** The trailing shape a norm layer normalises over, checked. */
export function normalizedShapeOf(layer: string, normalizedShape: number | readonly number[]): readonly number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  if (shape.length === 0) throw new ValueError(`${layer}: normalizedShape must have at least one dim`);
  shape.forEach((s) => checkPositiveInt(layer, 'normalizedShape', s));
  return Object.freeze(shape);
}

/** Layer normalisation over the trailing dims (Ba et al.). Gain and bias are tagged noDecay. */
export class LayerNorm extends Module {
  /** The trailing dims normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance inside the square root. */
  readonly eps: number;
  /** The gain, of normalizedShape (ones at init); null without elementwiseAffine. */
  weight: Tensor | null = null;
  /** The bias, of normalizedShape (zeros at init); null when disabled. */
  bias: Tensor | null = null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = normalizedShapeOf('LayerNorm', normalizedShape);
    this.eps = options.eps ?? 1e-5;
    const opts = { device: options.device, dtype: options.dtype };
    if (options.elementwiseAffine ?? true) {
      this.weight = this.registerParameter('weight', ones(this.normalizedShape, opts), { noDecay: true });
      if (options.bias ?? true) this.bias = this.registerParameter('bias', zeros(this.normalizedShape, opts), { noDecay: true });
    }
  }

  /** [..., ...normalizedShape] -> the same shape. */
  forward(x: Tensor): Tensor {
    const name = `LayerNorm([${this.normalizedShape.join(', ')}])`;
    checkFloatInput(name, x, this.weight);
    checkTrailing(name, x, this.normalizedShape);
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}

/**
 * Runs a last-dim normalisation over the trailing `normalizedShape` dims of x: they are
 * flattened into one (a view when x's layout allows), as are the affine parameters.
 */
export function overTrailing(
  x: Tensor,
  normalizedShape: readonly number[],
  params: readonly (Tensor | null | undefined)[],
  f: (rows: Tensor, params: (Tensor | null)[]) => Tensor,
): Tensor {
  if (normalizedShape.length === 1) return f(x, params.map((p) => p ?? null));
  const n = normalizedShape.reduce((a, b) => a * b, 1);
  return tidy(() => {
    const rows = x.reshape([...x.shape.slice(0, x.ndim - normalizedShape.length), n]);
    return f(rows, params.map((p) => (p ? p.reshape([n]) : null))).reshape(x.shape as number[]);
  });
}
