import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { recomputeGrads } from '@nonlinear/activations';

type Expr = T.expr.Expr;
const { call } = T.expr;

/**
 * A basis family phi(x; s, e) evaluated on bumps with lower ends s and upper ends e: the
 * elementwise math of the fused basis kernels, written once as expressions (for the kernels)
 * and once as a composition of public ops (the reference, and the path of second derivatives).
 */
export interface BasisFamily {
  /** The op name in kernels and errors. */
  readonly name: string;
  /** phi from the expressions of x, s and e (all of one float dtype). */
  value(x: Expr, s: Expr, e: Expr): Expr;
  /** [dphi/dx, dphi/ds, dphi/de], built from shared nodes so each is computed once. */
  partials(x: Expr, s: Expr, e: Expr): [Expr, Expr, Expr];
  /** phi composed from public ops; x has shape (..., D, 1), s and e broadcast against it. */
  reference(x: Tensor, s: Tensor, e: Tensor): Tensor;
}

/**
 * Evaluates a basis family on x of shape (..., D) against bumps s, e of shape (n) or (D, n),
 * giving (..., D, n). The forward pass is ONE elementwise kernel (x as (..., D, 1) broadcast
 * against s and e); the backward is ONE row-program kernel over the n bumps that writes
 * g dphi/ds, g dphi/de and the row sums of g dphi/dx, after which autograd sums the first two
 * over the leading dims (one reduction each). Second derivatives (createGraph) differentiate
 * the family's reference composition.
 */
export function fusedBasis(family: BasisFamily, x: Tensor, s: Tensor, e: Tensor): Tensor {
  return T.tidy(() => {
    // x as (..., D, 1) against s, e: the broadcast is the (..., D, n) basis.
    const y = T.map(family.name, [x.detach().unsqueeze(-1), s, e], 'float', (xv, sv, ev) => family.value(xv, sv, ev));
    T.record(family.name, [x, s, e], [y], ([g], [xi, si, ei]) => basisBackward(family, g!, xi!, si!, ei!));
    return y;
  });
}

/** The composition of {@link fusedBasis}: the same values through public ops only. */
export function referenceBasis(family: BasisFamily, x: Tensor, s: Tensor, e: Tensor): Tensor {
  return T.tidy(() => family.reference(x.unsqueeze(-1), s, e));
}

function basisBackward(family: BasisFamily, g: Tensor, x: Tensor, s: Tensor, e: Tensor): (Tensor | null)[] {
  if (T.isGradEnabled() || g.size === 0) return recomputeGrads(() => family.reference(x.unsqueeze(-1), s, e), [x, s, e], g);
  return T.tidy(() => {
    const [dxRow, ds, de] = T.rowProgram(`${family.name}Backward`, [x.detach().unsqueeze(-1), s, e, g], 'float', (row, xv, sv, ev, gv) => {
      const [px, ps, pe] = family.partials(xv!, sv!, ev!);
      return [row.sum(call('mul', gv!, px)), call('mul', gv!, ps), call('mul', gv!, pe)];
    });
    // Every element of a row holds the row's sum; column 0, a strided view, is dL/dx.
    return [x.requiresGrad ? dxRow!.select(-1, 0) : null, s.requiresGrad ? sumToTrailing(ds!, s) : null, e.requiresGrad ? sumToTrailing(de!, e) : null];
  });
}

/**
 * Sums a gradient (..., D, n) over its leading dims down to the shape of `like`, (n) or (D, n),
 * as ONE reduction (autograd's own would reduce one dim at a time); other shapes are left to
 * autograd.
 */
function sumToTrailing(g: Tensor, like: Tensor): Tensor {
  const k = like.ndim;
  const trailing = g.shape.slice(g.ndim - k);
  if (k === 0 || g.ndim === k || trailing.some((d, i) => d !== like.shape[i])) return g;
  return g.reshape([-1, ...like.shape]).sum(0);
}
