import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { recomputeGrads } from '@nonlinear/activations';

type Expr = T.expr.Expr;
const { call } = T.expr;

/** Constant operands of a basis kernel: tensors (no gradient) and JS numbers (runtime scalars). */
export type BasisOperand = Tensor | number;

/** One term of dB/dx, computed by one backward kernel from the viewed x and its own operands. */
export interface BasisDerivative {
  /** Its constant operands. */
  operands: readonly BasisOperand[];
  /** The term of dB/dx; it must not read output coordinates (the backward is a row program). */
  derivative(v: Expr, ...ops: Expr[]): Expr;
}

/**
 * One basis family as fused kernels. The forward is ONE elementwise kernel from x (read through
 * `view`, which puts x's features against the basis axis by broadcasting) and the constant
 * operands to the whole basis tensor. The backward is one row-program kernel per derivative
 * term, each folding `g * dB/dx` over the basis axis (the last dim) into dL/dx, so no reduction
 * kernel runs (the tensor package's reduction over many short rows measured about 30 times
 * slower than a row program on lavapipe). Constant operands get no gradient.
 */
export interface BasisKernel {
  /** Kernel name (the op name in errors and in the pipeline cache). */
  name: string;
  /** x (a detached handle) as the kernel reads it, e.g. x.unsqueeze(-1). */
  view(x: Tensor): Tensor;
  /** Constant operands of the forward. */
  operands: readonly BasisOperand[];
  /** B(x) from the viewed x and the operands. */
  value(v: Expr, ...ops: Expr[]): Expr;
  /** dB/dx as a sum of terms (usually one). */
  derivatives: readonly BasisDerivative[];
  /**
   * Whether the basis has a leading dim of size 2 (FourierKAN's cos and sin halves) that the
   * gradient is summed over, after the basis axis.
   */
  pairedLeading?: boolean;
  /** Tensors the composition reads (a grid), passed to `reference` in this order. */
  keep?: readonly Tensor[];
  /** The same basis composed from primitive ops (autograd differentiates it). */
  reference(x: Tensor, ...keep: Tensor[]): Tensor;
}

const tensorsOf = (ops: readonly BasisOperand[]): Tensor[] => ops.filter((o): o is Tensor => o instanceof T.Tensor);

/**
 * Runs a {@link BasisKernel} on x: fused when the device can bind it, else the composition. The
 * graph node holds its own handles on every constant tensor, so a grid replaced before the
 * backward pass (extendGrid) does not break it.
 */
export function runBasis(x: Tensor, k: BasisKernel): Tensor {
  const max = x.backend.maxKernelTensors;
  const keep = k.keep ?? [];
  // Forward: x, the tensor operands and the output; each backward term adds g.
  if (tensorsOf(k.operands).length + 2 > max) return k.reference(x, ...keep);
  const fusedBackward = k.derivatives.every((d) => tensorsOf(d.operands).length + 3 <= max);
  const consts = [...new Set([...keep, ...k.derivatives.flatMap((d) => tensorsOf(d.operands))])];
  const xv = k.view(x.detach());
  const y = T.map(k.name, [xv, ...k.operands], 'float', k.value);
  xv.dispose();
  T.record(k.name, [x, ...consts], [y], ([g], [xi, ...saved]) => {
    const handle = new Map(consts.map((c, i) => [c, saved[i]!]));
    const nulls = consts.map(() => null);
    // createGraph differentiates the composition (the kernels' backward is not recorded).
    if (T.isGradEnabled() || !fusedBackward) {
      return [recomputeGrads(() => k.reference(xi!, ...keep.map((t) => handle.get(t)!)), [xi!], g!)[0]!, ...nulls];
    }
    return T.tidy(() => {
      const xd = k.view(xi!.detach());
      let dx: Tensor | null = null;
      for (const [t, d] of k.derivatives.entries()) {
        const ops = d.operands.map((o) => (o instanceof T.Tensor ? handle.get(o)! : o));
        const [rows] = T.rowProgram(`${k.name}Backward${t}`, [g!, xd, ...ops], 'float', (row, gv, v, ...o) => [row.sum(call('mul', gv!, d.derivative(v!, ...o)))]);
        // Every element of a row holds the row's sum: column 0 is this term of dL/dx.
        const term = rows!.narrow(-1, 0, 1);
        dx = dx ? dx.add(term) : term;
      }
      if (k.pairedLeading) dx = dx!.narrow(0, 0, 1).add(dx!.narrow(0, 1, 1));
      return [dx!.reshape(xi!.shape as number[]), ...nulls];
    });
  });
  return y;
}
