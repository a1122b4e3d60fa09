import { record } from '../autograd/tape.js';
import type { DType } from '../dtype.js';
import { NonlinearError } from '../errors.js';
import { scalar, type Expr } from '../expr.js';
import { Tensor } from '../tensor.js';
import { empty, runKernel, viewOf } from './core.js';
import { prepareOperands, type Compute, type Operand } from './elementwise.js';

/** Declares the per-row statistics of a row program. */
export interface RowBuilder {
  /** The sum over the row of a per-element expression: the same value for every element. */
  sum(e: Expr): Expr;
  /** The NaN-propagating maximum over the row. */
  max(e: Expr): Expr;
  /** The row length as a value of `dtype`. */
  length(dtype: DType): Expr;
}

/** Typing and autograd options of {@link rowProgram}. */
export interface RowProgramOptions {
  /** Fixes operand i's dtype; the others are typed by `compute`. */
  castTo?: readonly (DType | null)[];
  /** The program's derivative, written with public ops: output gradients in, operand gradients out. */
  grad?: (grads: readonly Tensor[], inputs: readonly (Tensor | null)[], outputs: readonly Tensor[]) => readonly (Tensor | null)[];
  /** The backward reads the outputs, so they are saved. */
  saveOutputs?: boolean;
}

/**
 * A program over rows (the last dim of the broadcast operands) that runs as ONE kernel:
 * statistics folded over each row, then per-element outputs from the elements and the
 * statistics. Softmax, log-softmax, layer and RMS norms and PolyNorm are each one row program.
 *
 * ```ts
 * const [y] = rowProgram('softmax', [x], 'float', (row, v) => {
 *   const m = row.max(v);
 *   const e = call('exp', call('sub', v, m));
 *   return [call('div', e, row.sum(e))];
 * });
 * ```
 */
export function rowProgram(op: string, operands: readonly Operand[], compute: Compute, build: (row: RowBuilder, ...xs: Expr[]) => readonly Expr[], options: RowProgramOptions = {}): Tensor[] {
  const castTo = options.castTo ?? [];
  const { tensors, backend, shape, exprs, scalars } = prepareOperands(op, operands, compute, castTo);
  if (shape.length === 0) throw new NonlinearError(`${op}: a row program needs at least one dimension`);
  const stats: { op: 'sum' | 'max'; expr: Expr }[] = [];
  const stat = (kind: 'sum' | 'max') => (e: Expr): Expr => {
    stats.push({ op: kind, expr: e });
    return { k: 'stat', i: stats.length - 1, dtype: e.dtype };
  };
  const row: RowBuilder = {
    sum: stat('sum'),
    max: stat('max'),
    length: (dtype) => {
      scalars.push(shape[shape.length - 1]!);
      return scalar(scalars.length - 1, dtype);
    },
  };
  const outs = build(row, ...exprs);
  const outputs = outs.map((e) => empty(op, backend, shape, e.dtype));
  if (outputs[0]!.size > 0) {
    runKernel(backend, { kind: 'rows', stats, exprs: outs }, tensors.map((t) => viewOf(t, shape)), outputs.map((o) => viewOf(o)), scalars);
  }
  const grad = options.grad;
  if (grad) {
    let k = 0;
    const slots = operands.map((o) => (o instanceof Tensor ? k++ : -1));
    record(op, tensors, outputs, (gs, ins, saved) => {
      const gOps = grad(gs, slots.map((s) => (s >= 0 ? ins[s]! : null)), saved.length ? saved : outputs);
      return tensors.map((_, t) => gOps[slots.indexOf(t)] ?? null);
    }, options.saveOutputs);
  }
  return outputs;
}
