import type { Tensor } from '@nonlinear/tensor';
import type { UnaryModule } from '@nonlinear/nn';

/** What {@link KANLayer.edgeFunctions} returns: the sample points and every edge's values there. */
export interface EdgeFunctionSamples {
  /** The inputs, shape (points,). */
  x: Tensor;
  /** phi_{o,i}(x), shape (out, in, points). */
  y: Tensor;
}

/**
 * What every KAN layer (and the MLP baseline layer) offers beyond a unary module: the counts the
 * paper's tables compare. A layer maps (..., inFeatures) to (..., outFeatures).
 */
export interface KANLayer extends UnaryModule {
  /** The width of the input's last dim. */
  readonly inFeatures: number;
  /** The width of the output's last dim. */
  readonly outFeatures: number;
  /**
   * Parameters the forward pass actually reads. Equal to numParameters() unless a layer registers
   * state it does not use in forward (the reference codes have such tensors; say which in the doc).
   */
  usedParameterCount(): number;
  /** Analytic forward FLOPs for one sample (a multiply-add counts 2; a transcendental counts 1). */
  flops(): number;
  /**
   * Samples every learned edge function phi_{o,i} on `points` inputs spanning its natural domain
   * (pykan-style plotting). Returns x of shape (points,) and y of shape (out, in, points).
   * Optional: layers whose edges are not separable functions of one input leave it out.
   */
  edgeFunctions?(points: number): EdgeFunctionSamples;
}
