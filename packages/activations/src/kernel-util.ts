import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';

/**
 * Pieces shared by the fused PolyCom kernels: power chains as expressions, the packing of
 * per-row coefficient partials into one output, and the reduction that turns them into the
 * coefficient gradients.
 */

type Expr = T.expr.Expr;
const { call, lit, litLike } = T.expr;

/** [1, v, v^2, ..., v^n] as products (v^k = v^(k-1) * v), so v^2 is exactly v * v. */
export function powers(v: Expr, n: number): Expr[] {
  const out: Expr[] = [litLike(1, v), v];
  for (let k = 2; k <= n; k++) out.push(call('mul', out[k - 1]!, v));
  return out;
}

/**
 * One per-element output that holds `values[k]` in column k of every row (and 0 elsewhere):
 * per-row statistics leave a row program this way (its outputs have the rows' shape), and a
 * reduction over the rows of the first values.length columns finishes the sums.
 */
export function packColumns(values: readonly Expr[], col: Expr): Expr {
  let out = litLike(0, values[0]!);
  for (let k = values.length - 1; k >= 0; k--) out = call('select', call('eq', col, lit(k, 'int32')), values[k]!, out);
  return out;
}

/**
 * Sums the packed partials (columns 0..r-1: weight, column r: bias) over all rows and returns
 * the gradients shaped like `weight` [r] and like `bias`.
 */
export function coefficientGrads(packed: Tensor, width: number, r: number, bias: Tensor): [Tensor, Tensor] {
  const sums = packed.reshape([-1, width]).narrow(1, 0, r + 1).sum(0);
  return [sums.narrow(0, 0, r), sums.narrow(0, r, 1).reshape(bias.shape as number[])];
}

/**
 * An int32 [width] tensor 0, 1, ..., width-1 on x's backend: an upload, not a kernel. The caller
 * disposes it (the backward passes create it inside their tidy scope).
 */
export function columnIndex(x: Tensor, width: number): Tensor {
  return T.tensor(Int32Array.from({ length: width }, (_, i) => i), { dtype: 'int32', device: x.backend });
}

/**
 * The gradients of <f(), g> with respect to those of `inputs` that require grad (null for the
 * others), by differentiating a recomputation of f: how a fused op hands its second derivatives
 * (createGraph) to the composition it was fused from. A fused op's backward calls it when
 * gradients are being recorded (`T.isGradEnabled()`), so the gradients it returns are themselves
 * differentiable; @nonlinear/kan's fused kernels use it too.
 *
 * @param f - recomputes the op's output from `inputs` with differentiable ops.
 * @param inputs - the op's inputs, as its backward received them.
 * @param g - the cotangent of f's output.
 */
export function recomputeGrads(f: () => Tensor, inputs: readonly Tensor[], g: Tensor): (Tensor | null)[] {
  const wanted = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const createGraph = T.isGradEnabled();
  return T.tidy(() => {
    const y = T.enableGrad(f);
    const gs = T.gradients([y], wanted.map((i) => inputs[i]!), [g], { createGraph, allowUnused: true });
    return inputs.map((_, i) => (wanted.includes(i) ? gs[wanted.indexOf(i)] ?? null : null));
  });
}
