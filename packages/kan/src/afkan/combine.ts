import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';

/**
 * How a multi-method AF-KAN combines its per-method outputs y_1..y_m: `sum` (sum y),
 * `product` (prod y), `sum_product` (sum y + prod y) or `quadratic` (sum y + prod y + sum y^2).
 */
export type AFKANCombine = 'sum' | 'product' | 'sum_product' | 'quadratic';

/** The allowed {@link AFKANCombine} values. */
export const AFKAN_COMBINES: readonly AFKANCombine[] = Object.freeze(['sum', 'product', 'sum_product', 'quadratic'] as AFKANCombine[]);

/** Combines per-method outputs of one shape; a single output passes through unchanged. */
export function combineOutputs(outputs: readonly Tensor[], type: AFKANCombine): Tensor {
  if (outputs.length === 0) throw new ValueError('combineOutputs: no outputs to combine');
  if (outputs.length === 1) return outputs[0]!;
  return T.tidy(() => {
    const sum = (): Tensor => outputs.slice(1).reduce((a, y) => T.add(a, y), outputs[0]!);
    const prod = (): Tensor => outputs.slice(1).reduce((a, y) => T.mul(a, y), outputs[0]!);
    switch (type) {
      case 'sum':
        return sum();
      case 'product':
        return prod();
      case 'sum_product':
        return T.add(sum(), prod());
      case 'quadratic':
        return outputs.reduce((a, y) => T.add(a, T.square(y)), T.add(sum(), prod()));
      default:
        throw new ValueError(`combineOutputs: combine must be one of ${AFKAN_COMBINES.join(', ')}, got ${JSON.stringify(type)}`);
    }
  });
}

/** Analytic FLOPs of combining m outputs of `width` values each. */
export function combineFlops(m: number, width: number, type: AFKANCombine): number {
  if (m <= 1) return 0;
  const chain = (m - 1) * width;
  if (type === 'sum' || type === 'product') return chain;
  if (type === 'sum_product') return 2 * chain + width;
  return 2 * chain + width + 2 * m * width;
}
