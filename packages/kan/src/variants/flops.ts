/**
 * FLOP counts of the variants' building blocks, in the package's model (../flops.ts: a
 * multiply-add counts 2, every other elementwise operation, transcendental or not, counts 1).
 * Work on the weights alone (S * W_s) is per batch, not per sample, and is left out.
 */

/** silu(x) = x / (1 + exp(-x)): negate, exp, add, divide. */
export const SILU_FLOPS = 4;

/**
 * The B-spline bases of one input by efficient-kan's recursion, G = g + 2k + 1 knots: the order-0
 * indicators (2 compares each for G - 1 intervals), then for each order p the G - 1 - p values,
 * each 2 differences with x, 2 knot differences, 2 divides, 2 multiplies and 1 add (9).
 */
export function bsplineFlops(g: number, k: number): number {
  const G = g + 2 * k + 1;
  let f = 2 * (G - 1);
  for (let p = 1; p <= k; p++) f += 9 * (G - 1 - p);
  return f;
}
