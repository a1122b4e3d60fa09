import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';

type Expr = T.expr.Expr;
const { call, litLike } = T.expr;

/**
 * How AF-KAN combines a = A(x - s) and b = A(e - x) into one basis value phi = F(a, b):
 * `quad1` (ab)^2 (the default), `quad2` ab + a^2 + b^2, `sum` a + b, `prod` ab,
 * `sum_prod` a + b + ab, `cubic1` (a + b)(a^2 + b^2), `cubic2` (ab)^3.
 */
export type AFKANFunction = 'quad1' | 'quad2' | 'sum' | 'prod' | 'sum_prod' | 'cubic1' | 'cubic2';

/** One function type as expressions (value and both partials) and as public ops. */
export interface FunctionDef {
  /** F(a, b). */
  f(a: Expr, b: Expr): Expr;
  /** [dF/da, dF/db]. */
  partials(a: Expr, b: Expr): [Expr, Expr];
  /** F(a, b) from public ops. */
  reference(a: Tensor, b: Tensor): Tensor;
  /** Analytic FLOPs of one evaluation. */
  flops: number;
}

const mul = (a: Expr, b: Expr): Expr => call('mul', a, b);
const add = (a: Expr, b: Expr): Expr => call('add', a, b);
const k = (v: number, like: Expr): Expr => litLike(v, like);

const DEFS: Record<AFKANFunction, FunctionDef> = {
  quad1: {
    f: (a, b) => {
      const ab = mul(a, b);
      return mul(ab, ab);
    },
    partials: (a, b) => {
      const ab2 = mul(k(2, a), mul(a, b));
      return [mul(ab2, b), mul(ab2, a)];
    },
    reference: (a, b) => T.square(T.mul(a, b)),
    flops: 2,
  },
  quad2: {
    f: (a, b) => add(add(mul(a, b), mul(a, a)), mul(b, b)),
    partials: (a, b) => [add(b, mul(k(2, a), a)), add(a, mul(k(2, b), b))],
    reference: (a, b) => T.add(T.add(T.mul(a, b), T.square(a)), T.square(b)),
    flops: 5,
  },
  sum: {
    f: (a, b) => add(a, b),
    partials: (a) => [k(1, a), k(1, a)],
    reference: (a, b) => T.add(a, b),
    flops: 1,
  },
  prod: {
    f: (a, b) => mul(a, b),
    partials: (a, b) => [b, a],
    reference: (a, b) => T.mul(a, b),
    flops: 1,
  },
  sum_prod: {
    f: (a, b) => add(add(a, b), mul(a, b)),
    partials: (a, b) => [add(k(1, a), b), add(k(1, a), a)],
    reference: (a, b) => T.add(T.add(a, b), T.mul(a, b)),
    flops: 3,
  },
  cubic1: {
    f: (a, b) => mul(add(a, b), add(mul(a, a), mul(b, b))),
    partials: (a, b) => {
      // d/da (a + b)(a^2 + b^2) = 3a^2 + 2ab + b^2, and symmetrically.
      const a2 = mul(a, a);
      const b2 = mul(b, b);
      const ab2 = mul(k(2, a), mul(a, b));
      return [add(add(mul(k(3, a), a2), ab2), b2), add(add(a2, ab2), mul(k(3, a), b2))];
    },
    reference: (a, b) => T.mul(T.add(a, b), T.add(T.square(a), T.square(b))),
    flops: 5,
  },
  cubic2: {
    f: (a, b) => {
      const ab = mul(a, b);
      return mul(mul(ab, ab), ab);
    },
    partials: (a, b) => {
      const ab = mul(a, b);
      const ab2x3 = mul(k(3, a), mul(ab, ab));
      return [mul(ab2x3, b), mul(ab2x3, a)];
    },
    reference: (a, b) => T.pow(T.mul(a, b), 3),
    flops: 3,
  },
};

/** The names of {@link AFKANFunction}, in the paper's order. */
export const AFKAN_FUNCTIONS: readonly AFKANFunction[] = Object.freeze(Object.keys(DEFS) as AFKANFunction[]);

/** The definition of a function type; a ValueError lists the known names. */
export function functionDef(name: AFKANFunction, op = 'AF-KAN'): FunctionDef {
  const def = Object.hasOwn(DEFS, name) ? DEFS[name] : undefined;
  if (!def) throw new ValueError(`${op}: unknown function type '${String(name)}' (allowed: ${AFKAN_FUNCTIONS.join(', ')})`);
  return def;
}
