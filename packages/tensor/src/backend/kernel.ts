import type { DType } from '../dtype.js';
import type { Expr } from '../expr.js';

/**
 * The few kernel kinds a backend implements. Every public op of the library is one of these or
 * a composition of them; a new backend implements this list and nothing else.
 */
export type Kernel =
  | ElementwiseKernel
  | ReduceKernel
  | MatmulKernel
  | GatherKernel
  | ScatterAddKernel
  | CumsumKernel
  | TopkKernel
  | RandomKernel
  | RowsKernel;

/**
 * Output j at element i is expression j of the inputs at element i, over the output shape.
 * Expressions read inputs by position and may share nodes. An output may alias an input with
 * the same layout (in-place updates such as an optimizer step).
 */
export interface ElementwiseKernel {
  /** Discriminant. */
  readonly kind: 'elementwise';
  /** One expression per output. */
  readonly exprs: readonly Expr[];
}

/** Reduces the trailing `inner` dims of the input view into one output element per outer index. */
export interface ReduceKernel {
  /** Discriminant. */
  readonly kind: 'reduce';
  /** How to fold. */
  readonly op: ReduceOp;
  /** How many leading dims of the input view are kept (the output's dims). */
  readonly outer: number;
  /** How many trailing dims are reduced. */
  readonly inner: number;
}

/** Batched matrix product of two views [...batch, M, K] x [...batch, K, N] into a contiguous output. */
export interface MatmulKernel {
  /** Discriminant. */
  readonly kind: 'matmul';
}

/** out[c] = x[c with c[dim] = index[c]] over the index's shape (x and index views of equal rank). */
export interface GatherKernel {
  /** Discriminant. */
  readonly kind: 'gather';
  /** The indexed dimension. */
  readonly dim: number;
  /** The public op, named in an out-of-range error. */
  readonly op: string;
}

/** out[c with c[dim] = index[c]] += src[c] over the index's shape; out already holds the base values. */
export interface ScatterAddKernel {
  /** Discriminant. */
  readonly kind: 'scatterAdd';
  /** The indexed dimension. */
  readonly dim: number;
  /** The public op, named in an out-of-range error. */
  readonly op: string;
}

/** Inclusive prefix sum along the last dim of the input view into a contiguous output. */
export interface CumsumKernel {
  /** Discriminant. */
  readonly kind: 'cumsum';
}

/** The k largest (or smallest) values along the last dim, sorted, with their indices. */
export interface TopkKernel {
  /** Discriminant. */
  readonly kind: 'topk';
  /** How many values per line. */
  readonly k: number;
  /** Largest first (true) or smallest first. */
  readonly largest: boolean;
}

/** Counter-based random numbers: element i of a call draws Philox4x32-10 at counter (i, offset). */
export interface RandomKernel {
  /** Discriminant. */
  readonly kind: 'random';
  /** Uniform floats, normal floats (Box-Muller) or uniform integers. */
  readonly dist: 'uniform' | 'normal' | 'randint';
  /** The two key words of the seed. */
  readonly seed: readonly [number, number];
  /** The call number: distinct calls draw distinct streams. */
  readonly offset: number;
}

/**
 * A program over each row (the last dim) of the inputs: statistics folded over the row in
 * order (each may use the earlier ones), then one or more outputs per element computed from the
 * elements and the statistics. Softmax, layer and RMS norms, PolyNorm and their backward passes
 * are each one such kernel: one workgroup per row, one pass over the row per statistic.
 */
export interface RowsKernel {
  /** Discriminant. */
  readonly kind: 'rows';
  /** Statistics in order (each may use the earlier ones). */
  readonly stats: readonly RowStat[];
  /** One expression per output. */
  readonly exprs: readonly Expr[];
}

/** One statistic of a row program. */
export interface RowStat {
  /** How it folds over the row. */
  readonly op: 'sum' | 'max';
  /** The per-element expression it folds. */
  readonly expr: Expr;
}

/** How a reduction folds: arg-reductions produce int32 indices (the first on ties; NaN wins). */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

/** A strided window onto a buffer: what a kernel reads or writes. Strides and offset are in elements. */
export interface View<B = unknown> {
  /** The backend's buffer handle. */
  readonly buffer: B;
  /** The element type of the buffer. */
  readonly dtype: DType;
  /** The view's shape (the op's broadcast shape for inputs read with stride 0). */
  readonly shape: readonly number[];
  /** Elements to step per index of each dim (0 for a broadcast dim). */
  readonly strides: readonly number[];
  /** Element offset of index (0, ..., 0). */
  readonly offset: number;
}
