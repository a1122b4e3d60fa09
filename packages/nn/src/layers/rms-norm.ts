import * as T from '@nonlinear/tensor';
import { ones, type DType, type Tensor } from '@nonlinear/tensor';
import { Module } from '../module.js';
import { checkFloatInput, checkTrailing, type LayerOptions } from './common.js';
import { normalizedShapeOf, overTrailing } from './layer-norm.js';

/** Machine epsilon of a float dtype: RMSNorm's default eps, as torch.finfo(dtype).eps. */
export function finfoEps(dtype: DType): number {
  return dtype === 'float64' ? 2 ** -52 : 2 ** -23;
}

/** x * rsqrt(mean(x^2) + eps) * weight over the trailing dims (F.rms_norm). No centring, no bias. */
export function rmsNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, eps?: number | null): Tensor {
  const e = eps ?? finfoEps(x.dtype);
  return overTrailing(x, normalizedShape, [weight], (rows, [w]) => T.rmsNorm(rows, w, e));
}

export interface RMSNormOptions extends LayerOptions {
  /** Added to the mean square; by default the dtype's machine epsilon, as in PyTorch. */
  eps?: number;
  /** Learn a gain (ones); default true. */
  elementwiseAffine?: boolean;
}

/** Root-mean-square normalisation (Zhang & Sennrich). The gain is tagged noDecay. */
export class RMSNorm extends Module {
  /** The trailing dims normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the mean square; null means the input dtype's machine epsilon. */
  readonly eps: number | null;
  /** The gain, of normalizedShape (ones at init); null without elementwiseAffine. */
  weight: Tensor | null = null;

  constructor(normalizedShape: number | readonly number[], options: RMSNormOptions = {}) {
    super();
    this.normalizedShape = normalizedShapeOf('RMSNorm', normalizedShape);
    this.eps = options.eps ?? null;
    if (options.elementwiseAffine ?? true) {
      this.weight = this.registerParameter('weight', ones(this.normalizedShape, { device: options.device, dtype: options.dtype }), { noDecay: true });
    }
  }

  /** [..., ...normalizedShape] -> the same shape. */
  forward(x: Tensor): Tensor {
    const name = `RMSNorm([${this.normalizedShape.join(', ')}])`;
    checkFloatInput(name, x, this.weight);
    checkTrailing(name, x, this.normalizedShape);
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps ?? 'finfo.eps'}, elementwiseAffine=${this.weight !== null}`;
  }
}
