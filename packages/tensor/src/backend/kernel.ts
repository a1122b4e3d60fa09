import type { DType } from '../dtype.js';
import type { Expr } from '../expr.js';

/**
 * The few kernel kinds a backend implements. Every public op of the library is one of these or
 * a composition of them; a new backend implements this list and nothing else.
 */
export type Kernel =
  /**
   * Output j at element i is expression j of the inputs at i, over the output shape; expressions read inputs by
   * position and may share nodes. An output may alias an input with the same layout (in-place
   * updates such as an optimizer step).
   */
  | { readonly kind: 'elementwise'; readonly exprs: readonly Expr[] }
  /** Reduces the trailing `inner` dims of the input view into one output element per outer index. */
  | { readonly kind: 'reduce'; readonly op: ReduceOp; readonly outer: number; readonly inner: number }
  /** Batched matrix product of two views [...batch, M, K] x [...batch, K, N] -> contiguous out. */
  | { readonly kind: 'matmul' }
  /** out[c] = x[c with c[dim] = index[c]] over the index's shape (x and index views of equal rank). */
  | { readonly kind: 'gather'; readonly dim: number; readonly op: string }
  /** out[c with c[dim] = index[c]] += src[c] over the index's shape; out already holds the base values. */
  | { readonly kind: 'scatterAdd'; readonly dim: number; readonly op: string }
  /** Inclusive prefix sum along the last dim of the input view into a contiguous output. */
  | { readonly kind: 'cumsum' }
  /** The k largest (or smallest) values along the last dim, sorted, with their indices. */
  | { readonly kind: 'topk'; readonly k: number; readonly largest: boolean }
  /** Counter-based random numbers: element i of a call draws Philox4x32-10 at counter (i, offset). */
  | { readonly kind: 'random'; readonly dist: 'uniform' | 'normal' | 'randint'; readonly seed: readonly [number, number]; readonly offset: number };

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

/** A strided window onto a buffer: what a kernel reads or writes. Strides and offset are in elements. */
export interface View<B = unknown> {
  readonly buffer: B;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}
