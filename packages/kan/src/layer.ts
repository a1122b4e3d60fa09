import type { Tensor } from '@nonlinear/tensor';
import type { UnaryModule } from '@nonlinear/nn';

/**
 * What every KAN layer (and the MLP baseline layer) offers beyond a unary module: the counts the
 * paper's tables compare. A layer maps (..., inFeatures) to (..., outFeatures).
 */
export interface KANLayer extends UnaryModule {
  readonly inFeatures: number;
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
  edgeFunctions?(points: number): { x: Tensor; y: Tensor };
}
