import type { DType } from './dtype.js';
import { isFloat } from './dtype.js';
import { DTypeError } from './errors.js';

/**
 * The primitive scalar functions every backend implements. Everything elementwise in the library
 * (gelu, sigmoid, softplus, clamp...) is an expression over these, written once and turned into
 * WGSL or a JavaScript loop by each backend's code generator, so the backends cannot drift.
 */
export type Prim =
  | 'add' | 'sub' | 'mul' | 'div' | 'neg'
  | 'exp' | 'log' | 'sin' | 'cos' | 'sqrt' | 'tanh' | 'erf' | 'log1p' | 'expm1'
  | 'floor' | 'ceil' | 'rint' | 'abs' | 'sign' | 'pow'
  | 'max' | 'min'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'and' | 'or' | 'not'
  | 'isnan' | 'isinf'
  | 'select';

/** A node of an elementwise expression. Every node knows its dtype. */
export type Expr =
  | {
      /** Tensor operand `i`, read at the current element (see {@link input}). */
      readonly k: 'in';
      /** Position among the kernel's tensor operands. */
      readonly i: number;
      /** The node's value type. */
      readonly dtype: DType;
    }
  | {
      /** Runtime scalar `i` (see {@link scalar}): a new value reuses the compiled kernel. */
      readonly k: 'scalar';
      /** Position in the kernel's scalar parameters. */
      readonly i: number;
      /** The node's value type. */
      readonly dtype: DType;
    }
  | {
      /** A literal compiled into the kernel (see {@link lit}). */
      readonly k: 'const';
      /** The literal's value. */
      readonly v: number;
      /** The node's value type. */
      readonly dtype: DType;
    }
  | {
      /** The output coordinate along an axis (see {@link coord}). */
      readonly k: 'idx';
      /** The output axis whose index is read. */
      readonly axis: number;
      /** Always int32. */
      readonly dtype: 'int32';
    }
  | {
      /** A per-row statistic of a row program (see {@link rowProgram}): the same value for every element of the row. */
      readonly k: 'stat';
      /** Which statistic, in the order the program declared them. */
      readonly i: number;
      /** The statistic's value type. */
      readonly dtype: DType;
    }
  | {
      /** A primitive applied to operands (see {@link call}). */
      readonly k: 'call';
      /** The primitive. */
      readonly f: Prim;
      /** Its operands; for `select`, the bool condition first. */
      readonly args: readonly Expr[];
      /** The result type: bool for comparisons and logic, else the operands' dtype. */
      readonly dtype: DType;
    }
  | {
      /** A conversion of `a` to `dtype` (see {@link cast}). */
      readonly k: 'cast';
      /** The converted expression. */
      readonly a: Expr;
      /** The target type. */
      readonly dtype: DType;
    };

const FLOAT_ONLY = new Set<Prim>([
  'div', 'exp', 'log', 'sin', 'cos', 'sqrt', 'tanh', 'erf', 'log1p', 'expm1', 'floor', 'ceil', 'rint', 'pow',
  'isnan', 'isinf',
]);
const TO_BOOL = new Set<Prim>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'not', 'isnan', 'isinf']);

/** Tensor operand `i` of a kernel, of `dtype`, read at the current element. */
export const input = (i: number, dtype: DType): Expr => ({ k: 'in', i, dtype });
/** Runtime scalar parameter `i`: values change without compiling a new kernel. */
export const scalar = (i: number, dtype: DType): Expr => ({ k: 'scalar', i, dtype });
/** A literal of `dtype`, compiled into the kernel source. */
export const lit = (v: number, dtype: DType): Expr => ({ k: 'const', v, dtype });
/** The current output element's index along `axis` (int32), for masks such as triu and eye. */
export const coord = (axis: number): Expr => ({ k: 'idx', axis, dtype: 'int32' });

/**
 * `a` converted to `dtype` (float to int32 truncates and saturates; nonzero to bool is true); a
 * no-op when it already has it.
 */
export function cast(a: Expr, dtype: DType): Expr {
  return a.dtype === dtype ? a : { k: 'cast', a, dtype };
}

/**
 * Applies primitive `f` to operands of one dtype, checking the dtypes the primitive accepts;
 * comparisons and logic return bool. Raises `DTypeError` on a mismatch.
 */
export function call(f: Prim, ...args: Expr[]): Expr {
  const operands = f === 'select' ? args.slice(1) : args;
  const dtype = operands[0]!.dtype;
  for (const a of operands) {
    if (a.dtype !== dtype) throw new DTypeError(`expression ${f}: operand dtypes differ (${operands.map((o) => o.dtype).join(', ')})`);
  }
  if (f === 'select' && args[0]!.dtype !== 'bool') throw new DTypeError('expression select: condition must be bool');
  if (FLOAT_ONLY.has(f) && !isFloat(dtype)) throw new DTypeError(`expression ${f}: needs a float operand, got ${dtype}`);
  if ((f === 'and' || f === 'or' || f === 'not') && dtype !== 'bool') throw new DTypeError(`expression ${f}: needs bool operands`);
  return { k: 'call', f, args, dtype: TO_BOOL.has(f) ? 'bool' : dtype };
}

/** A literal of the same dtype as `like`. */
export const litLike = (v: number, like: Expr): Expr => lit(v, like.dtype);

/** Whether the expression reads output coordinates (then its dims must not be merged). */
export function usesCoords(e: Expr): boolean {
  switch (e.k) {
    case 'idx':
      return true;
    case 'call':
      return e.args.some(usesCoords);
    case 'cast':
      return usesCoords(e.a);
    default:
      return false;
  }
}

/** A stable text key of an expression, for kernel caches. */
export function exprKey(e: Expr): string {
  switch (e.k) {
    case 'in':
      return `i${e.i}:${e.dtype}`;
    case 'scalar':
      return `s${e.i}:${e.dtype}`;
    case 'const':
      return `c${Object.is(e.v, -0) ? '-0' : String(e.v)}:${e.dtype}`;
    case 'idx':
      return `x${e.axis}`;
    case 'stat':
      return `r${e.i}:${e.dtype}`;
    case 'call':
      return `${e.f}(${e.args.map(exprKey).join(',')})`;
    case 'cast':
      return `${e.dtype}(${exprKey(e.a)})`;
  }
}

/**
 * Walks an expression once per distinct node (by identity) in dependency order, so code
 * generators can emit one SSA variable per node and a shared subexpression is computed once.
 */
export function topoNodes(roots: Expr | readonly Expr[]): Expr[] {
  const seen = new Set<Expr>();
  const out: Expr[] = [];
  const visit = (e: Expr): void => {
    if (seen.has(e)) return;
    seen.add(e);
    if (e.k === 'call') e.args.forEach(visit);
    else if (e.k === 'cast') visit(e.a);
    out.push(e);
  };
  for (const r of Array.isArray(roots) ? roots : [roots as Expr]) visit(r);
  return out;
}

/**
 * Lowers expressions to straight-line code, one variable per distinct node: `emit` gives a
 * node's code from the variable names of its operands, `declare` turns it into a statement.
 * Returns the statements and the variable holding each root. Both backends' code generators
 * are this walk with their own `emit`.
 */
export function lowerToSsa(
  roots: readonly Expr[],
  emit: (e: Expr, operands: readonly string[]) => string,
  declare: (name: string, e: Expr, code: string) => string,
): {
  /** The statements, one per distinct node, in dependency order. */
  lines: string[];
  /** The variable holding each root, in the order of `roots`. */
  results: string[];
} {
  const names = new Map<Expr, string>();
  const lines: string[] = [];
  for (const e of topoNodes(roots)) {
    const operands = e.k === 'call' ? e.args.map((a) => names.get(a)!) : e.k === 'cast' ? [names.get(e.a)!] : [];
    const name = `t${names.size}`;
    lines.push(declare(name, e, emit(e, operands)));
    names.set(e, name);
  }
  return { lines, results: roots.map((r) => names.get(r)!) };
}
