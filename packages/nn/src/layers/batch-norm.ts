import * as T from '@nonlinear/tensor';
import { ShapeError, ValueError, expr, noGrad, ones, tidy, zeros, type Tensor } from '@nonlinear/tensor';
import { Module } from '../module.js';
import { add, div, fusedUpdate, mul, sub } from '../optim/fused.js';
import { checkFloatInput, checkPositiveInt, checkProbability, formatShape, type LayerOptions } from './common.js';

/** Options of {@link BatchNorm1d} (PyTorch's, camelCased). */
export interface BatchNormOptions extends LayerOptions {
  /** Added to the variance inside the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of the new batch in the running statistics (default 0.1); null takes the cumulative
   * average of all batches seen, as PyTorch's `momentum=None`.
   */
  momentum?: number | null;
  /** Learn a per-channel gain (ones) and bias (zeros); default true. */
  affine?: boolean;
  /**
   * Keep running mean and variance for eval mode (default true). Without them the layer
   * normalises with the batch's statistics in eval mode too.
   */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over a 2-D (N, C) or 3-D (N, C, L) input (`torch.nn.BatchNorm1d`, Ioffe
 * & Szegedy, 2015): each channel is normalised by the mean and biased variance over N (and L),
 * then scaled and shifted by `weight` and `bias`. In training mode the running statistics are
 * updated with the batch mean and the unbiased batch variance (`running = (1 - momentum) running
 * + momentum batch`); after `eval()` they are used instead of the batch's. Buffers and parameters
 * have PyTorch's state dict names: `weight`, `bias`, `running_mean`, `running_var`,
 * `num_batches_tracked` (int32 here, int64 in PyTorch). Gain and bias are tagged noDecay, as
 * LayerNorm's.
 */
export class BatchNorm1d extends Module {
  /** C, the channel count. */
  readonly numFeatures: number;
  /** Added to the variance inside the square root. */
  readonly eps: number;
  /** Weight of the new batch in the running statistics; null for the cumulative average. */
  readonly momentum: number | null;
  /** The gain, [C] (ones at init); null without affine. */
  weight: Tensor | null = null;
  /** The bias, [C] (zeros at init); null without affine. */
  bias: Tensor | null = null;
  /** Running mean, [C] (zeros at init); null without trackRunningStats. */
  runningMean: Tensor | null = null;
  /** Running unbiased variance, [C] (ones at init); null without trackRunningStats. */
  runningVar: Tensor | null = null;
  /** Training batches seen, a 0-d int32 tensor; null without trackRunningStats. */
  numBatchesTracked: Tensor | null = null;

  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super();
    checkPositiveInt('BatchNorm1d', 'numFeatures', numFeatures);
    this.numFeatures = numFeatures;
    const eps = options.eps ?? 1e-5;
    if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ValueError(`BatchNorm1d: eps must be a finite number >= 0, got ${eps}`);
    this.eps = eps;
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null) checkProbability('BatchNorm1d', 'momentum', momentum);
    this.momentum = momentum;
    const opts = { device: options.device, dtype: options.dtype };
    if (options.affine ?? true) {
      this.weight = this.registerParameter('weight', ones([numFeatures], opts), { noDecay: true });
      this.bias = this.registerParameter('bias', zeros([numFeatures], opts), { noDecay: true });
    }
    if (options.trackRunningStats ?? true) {
      this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures], opts));
      this.runningVar = this.registerBuffer('running_var', ones([numFeatures], opts));
      this.numBatchesTracked = this.registerBuffer('num_batches_tracked', zeros([], { device: options.device, dtype: 'int32' }));
    }
  }

  /** (N, C) or (N, C, L) -> the same shape. In training mode, also updates the running statistics. */
  forward(x: Tensor): Tensor {
    const name = `BatchNorm1d(${this.numFeatures})`;
    checkFloatInput(name, x, this.weight ?? this.runningMean);
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${name}: expected input of shape [N, ${this.numFeatures}] or [N, ${this.numFeatures}, L], got ${formatShape(x.shape)}`);
    }
    const dims = x.ndim === 2 ? [0] : [0, 2];
    // [C] -> a shape that broadcasts against x along dim 1.
    const perChannel = x.ndim === 2 ? [1, this.numFeatures] : [1, this.numFeatures, 1];
    const useBatch = this.training || !this.runningMean;
    const n = x.size / this.numFeatures;
    if (this.training && n <= 1) {
      throw new ValueError(`${name}: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
    }
    return tidy(() => {
      let mean: Tensor;
      let variance: Tensor;
      if (useBatch) {
        mean = T.mean(x, dims, true);
        variance = T.variance(x, dims, { correction: 0, keepdim: true });
        if (this.training && this.runningMean) this.updateRunningStats(mean.reshape([this.numFeatures]), variance.reshape([this.numFeatures]), n);
      } else {
        mean = this.runningMean!.reshape(perChannel);
        variance = this.runningVar!.reshape(perChannel);
      }
      let y = x.sub(mean).mul(T.rsqrt(variance.add(this.eps)));
      if (this.weight) y = y.mul(this.weight.reshape(perChannel)).add(this.bias!.reshape(perChannel));
      return y;
    });
  }

  /** running = (1 - f) running + f batch, with f = momentum or 1 / batches seen; the variance unbiased. */
  private updateRunningStats(mean: Tensor, biasedVar: Tensor, n: number): void {
    noGrad(() => {
      const count = this.numBatchesTracked!;
      fusedUpdate('BatchNorm1d.numBatchesTracked', [count], { c: count }, ({ c }) => [add(c, expr.litLike(1, c))]);
      const unbias = n / (n - 1);
      const operands = { rm: this.runningMean!, rv: this.runningVar!, m: mean, v: biasedVar, unbias, c: count, momentum: this.momentum ?? 0 };
      const cumulative = this.momentum === null;
      fusedUpdate('BatchNorm1d.runningStats', [this.runningMean!, this.runningVar!], operands, ({ rm, rv, m, v, unbias: u, c, momentum }) => {
        // PyTorch's exponential_average_factor, then its update (1 - f) running + f batch.
        const f = cumulative ? div(expr.litLike(1, rm), c) : momentum;
        const keep = sub(expr.litLike(1, rm), f);
        return [add(mul(keep, rm), mul(f, m)), add(mul(keep, rv), mul(f, mul(v, u)))];
      });
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
}
