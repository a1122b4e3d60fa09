import * as nn from '@nonlinear/nn';
import { tidy, type Tensor } from '@nonlinear/tensor';
import { batchNormFlops, layerNormFlops } from './flops.js';

/** The normalisation a layer applies over its D features: LayerNorm, BatchNorm1d or none. */
export type NormKind = 'layer' | 'batch' | 'none';

/** The allowed {@link NormKind} values. */
export const NORM_KINDS: readonly NormKind[] = Object.freeze(['layer', 'batch', 'none'] as NormKind[]);

/** A norm module over the last dim (BatchNorm1d sees the leading dims flattened into a batch). */
export interface FeatureNorm extends nn.Module {
  /** (..., D) -> (..., D). */
  forward(x: Tensor): Tensor;
}

/** A new norm module of `kind` over d features (nn's LayerNorm or BatchNorm1d), or null for 'none'. */
export function makeNorm(kind: NormKind, d: number, options: nn.LayerOptions): FeatureNorm | null {
  if (kind === 'none') return null;
  const opts = { device: options.device, dtype: options.dtype };
  return kind === 'layer' ? new nn.LayerNorm(d, opts) : new nn.BatchNorm1d(d, opts);
}

/** Applies a norm built by {@link makeNorm} to (..., D); BatchNorm1d gets (N, D). */
export function applyNorm(norm: FeatureNorm | null, kind: NormKind, u: Tensor): Tensor {
  if (!norm) return u;
  if (kind !== 'batch' || u.ndim === 2) return norm.forward(u);
  const d = u.shape[u.ndim - 1]!;
  return tidy(() => norm.forward(u.reshape([-1, d])).reshape(u.shape as number[]));
}

/** Analytic FLOPs of the norm over d features, per sample. */
export function normFlops(kind: NormKind, d: number): number {
  return kind === 'layer' ? layerNormFlops(d) : kind === 'batch' ? batchNormFlops(d) : 0;
}
