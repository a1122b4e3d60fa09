import { Tensor, ValueError, identity, rand, tidy, where } from '@nonlinear/tensor';
import { Module } from '../module.js';
import { checkProbability } from './common.js';

/**
 * Zeroes each element with probability p and scales the survivors by 1 / (1 - p) (inverted
 * dropout, F.dropout), so the expectation is unchanged. The mask comes from T.rand, so
 * T.manualSeed reproduces it on either backend. Not training, or p = 0: the input, as a new
 * handle (the caller may dispose what it gets back without disposing its input).
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkProbability('dropout', 'p', p);
  if (!(x instanceof Tensor)) throw new ValueError(`dropout: input must be a Tensor, got ${typeof x}`);
  x.assertLive('dropout');
  if (!training || p === 0) return identity('dropout', x);
  if (p === 1) return x.mul(0);
  return tidy(() => {
    const keepMask = rand(x.shape, { device: x.backend, dtype: x.dtype === 'float64' ? 'float64' : 'float32' }).ge(p);
    return where(keepMask, x, 0).mul(1 / (1 - p));
  });
}

/** Dropout as a module: active in training mode, the identity after eval(). */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;

  constructor(p = 0.5) {
    super();
    checkProbability('Dropout', 'p', p);
    this.p = p;
  }

  /** {@link dropout} with this module's `p`, active only in training mode. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
