import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { fusedBasis, referenceBasis, type BasisFamily } from '../kernels/basis.js';
import { activationDef, type AFKANActivation } from './activations.js';
import { functionDef, type AFKANFunction } from './functions.js';

const { call } = T.expr;
const families = new Map<string, BasisFamily>();

/** The AF-KAN basis phi = F(A(x - s), A(e - x)) as a {@link BasisFamily} (cached per pair). */
export function afkanFamily(activation: AFKANActivation, fn: AFKANFunction): BasisFamily {
  const key = `${activation}/${fn}`;
  let fam = families.get(key);
  if (fam) return fam;
  const A = activationDef(activation, 'afkanBasis');
  const F = functionDef(fn, 'afkanBasis');
  fam = {
    name: `afkanBasis_${activation}_${fn}`,
    value: (x, s, e) => F.f(A.f(call('sub', x, s)), A.f(call('sub', e, x))),
    partials: (x, s, e) => {
      const u = call('sub', x, s);
      const v = call('sub', e, x);
      const [fa, fb] = F.partials(A.f(u), A.f(v));
      // dphi/ds = -F_a A'(u), dphi/de = F_b A'(v), dphi/dx = F_a A'(u) - F_b A'(v).
      const ga = call('mul', fa, A.df(u));
      const gb = call('mul', fb, A.df(v));
      return [call('sub', ga, gb), call('neg', ga), gb];
    },
    reference: (x, s, e) => F.reference(A.reference(T.sub(x, s)), A.reference(T.sub(e, x))),
  };
  families.set(key, fam);
  return fam;
}

/**
 * The AF-KAN basis of x (..., D) on the shared grid s, e (n each): phi (..., D, n) with
 * phi_ij = F(A(x_i - s_j), A(e_j - x_i)). One kernel forward, one kernel (and two reductions)
 * backward; see {@link afkanBasisReference} for the composition it is tested against.
 */
export function afkanBasis(x: Tensor, s: Tensor, e: Tensor, activation: AFKANActivation = 'silu', fn: AFKANFunction = 'quad1'): Tensor {
  return fusedBasis(afkanFamily(activation, fn), x, s, e);
}

/** {@link afkanBasis} composed from public ops (the reference; any order of derivatives). */
export function afkanBasisReference(x: Tensor, s: Tensor, e: Tensor, activation: AFKANActivation = 'silu', fn: AFKANFunction = 'quad1'): Tensor {
  return referenceBasis(afkanFamily(activation, fn), x, s, e);
}
