import { add, matmul, tidy, zeros, type Tensor } from '@nonlinear/tensor';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { checkFloatInput, checkPositiveInt, checkTrailing, type LayerOptions } from './common.js';

/** y = x W^T + b over the last dim of x (F.linear). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return tidy(() => {
    const y = matmul(x, weight.mT);
    return bias ? add(y, bias) : y;
  });
}

export interface LinearOptions extends LayerOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * A fully connected layer: [..., inFeatures] -> [..., outFeatures]. weight is [out, in] as in
 * PyTorch, initialised like PyTorch: kaiming-uniform with a = sqrt(5) (that is
 * U(-1/sqrt(in), 1/sqrt(in))), and the bias U(-1/sqrt(in), 1/sqrt(in)). The bias is tagged
 * noDecay.
 */
export class Linear extends Module {
  /** Width of the input's last dim. */
  readonly inFeatures: number;
  /** Width of the output's last dim. */
  readonly outFeatures: number;
  /** [outFeatures, inFeatures], as in PyTorch. */
  weight: Tensor;
  /** [outFeatures], or null when built with `bias: false`. */
  bias: Tensor | null = null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkPositiveInt('Linear', 'inFeatures', inFeatures);
    checkPositiveInt('Linear', 'outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const opts = { device: options.device, dtype: options.dtype };
    this.weight = this.registerParameter('weight', kaimingUniform_(zeros([outFeatures, inFeatures], opts), { a: Math.sqrt(5) }));
    if (options.bias ?? true) {
      const bound = 1 / Math.sqrt(inFeatures);
      this.bias = this.registerParameter('bias', uniform_(zeros([outFeatures], opts), -bound, bound), { noDecay: true });
    }
  }

  /** [..., inFeatures] -> [..., outFeatures]. */
  forward(x: Tensor): Tensor {
    const name = `Linear(${this.inFeatures} -> ${this.outFeatures})`;
    checkFloatInput(name, x, this.weight);
    checkTrailing(name, x, [this.inFeatures]);
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
