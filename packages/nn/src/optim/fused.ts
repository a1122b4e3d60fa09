import { expr, updateInPlace, type Operand, type Tensor } from '@nonlinear/tensor';

/**
 * Fused optimizer updates: one elementwise kernel that reads a parameter, its gradient and its
 * moments and writes the parameter and the moments back in place (T.updateInPlace). Scalars
 * (learning rate, betas, bias corrections) are runtime operands, so a new value never compiles a
 * new kernel; only the structure (momentum on or off, amsgrad...) picks the kernel.
 */

export type E = expr.Expr;

export const add = (a: E, b: E): E => expr.call('add', a, b);
export const sub = (a: E, b: E): E => expr.call('sub', a, b);
export const mul = (a: E, b: E): E => expr.call('mul', a, b);
export const div = (a: E, b: E): E => expr.call('div', a, b);
export const neg = (a: E): E => expr.call('neg', a);
export const sqrt = (a: E): E => expr.call('sqrt', a);
export const max = (a: E, b: E): E => expr.call('max', a, b);
export const min = (a: E, b: E): E => expr.call('min', a, b);

/**
 * Runs `f` over named operands as one kernel writing `targets` in place. `f` receives an
 * expression per operand name and returns one expression per target, in order.
 */
export function fusedUpdate<K extends string>(
  op: string,
  targets: readonly Tensor[],
  operands: Record<K, Operand>,
  f: (x: Record<K, E>) => readonly E[],
): void {
  const names = Object.keys(operands) as K[];
  updateInPlace(op, targets, names.map((n) => operands[n]), (...xs: E[]) => {
    const named = {} as Record<K, E>;
    names.forEach((n, i) => (named[n] = xs[i]!));
    return f(named);
  });
}
