/**
 * The FLOP model of {@link KANLayer.flops}, per sample: an add, multiply, compare or divide
 * counts 1, a multiply-add 2, a transcendental (exp, log, erf, tanh, sqrt) 1. The costs of the
 * shared building blocks are here so every layer counts them the same way.
 */

/** A dense map in -> out without bias: one multiply-add per weight. */
export const matmulFlops = (inFeatures: number, outFeatures: number): number => 2 * inFeatures * outFeatures;

/**
 * LayerNorm over d values: the mean (d), centring (d), the variance (2d: square and sum), one
 * rsqrt, scaling (d) and the affine gain and bias (2d): 7d + 1.
 */
export const layerNormFlops = (d: number): number => 7 * d + 1;

/** BatchNorm per sample: centre, scale by the batch statistics, then gain and bias: 4d. */
export const batchNormFlops = (d: number): number => 4 * d;

/** A softmax over d values: the max (d), subtract (d), exp (d), sum (d), divide (d): 5d. */
export const softmaxFlops = (d: number): number => 5 * d;
