import type { DType } from '../../dtype.js';
import type { Expr, Prim } from '../../expr.js';
import { lowerToSsa } from '../../expr.js';
import { valueType } from './wgsl.js';

/** Writes an elementwise expression as WGSL statements, one `let` per node. */

type Emit = (a: string[], argTypes: DType[]) => string;

const isF = (t: DType): boolean => t === 'float32';

const PRIMS: Record<Prim, Emit> = {
  add: (a) => `(${a[0]} + ${a[1]})`,
  sub: (a) => `(${a[0]} - ${a[1]})`,
  mul: (a) => `(${a[0]} * ${a[1]})`,
  div: (a) => `(${a[0]} / ${a[1]})`,
  neg: (a) => `(-${a[0]})`,
  exp: (a) => `nl_exp(${a[0]})`,
  log: (a) => `nl_log(${a[0]})`,
  sin: (a) => `nl_sin(${a[0]})`,
  cos: (a) => `nl_cos(${a[0]})`,
  sqrt: (a) => `nl_sqrt(${a[0]})`,
  tanh: (a) => `nl_tanh(${a[0]})`,
  erf: (a) => `nl_erf(${a[0]})`,
  log1p: (a) => `nl_log1p(${a[0]})`,
  expm1: (a) => `nl_expm1(${a[0]})`,
  floor: (a) => `floor(${a[0]})`,
  ceil: (a) => `ceil(${a[0]})`,
  rint: (a) => `round(${a[0]})`,
  abs: (a) => `abs(${a[0]})`,
  sign: (a, t) => (isF(t[0]!) ? `nl_sign(${a[0]})` : `sign(${a[0]})`),
  pow: (a) => `nl_pow(${a[0]}, ${a[1]})`,
  max: (a, t) => (isF(t[0]!) ? `nl_max(${a[0]}, ${a[1]})` : `max(${a[0]}, ${a[1]})`),
  min: (a, t) => (isF(t[0]!) ? `nl_min(${a[0]}, ${a[1]})` : `min(${a[0]}, ${a[1]})`),
  eq: (a) => `(${a[0]} == ${a[1]})`,
  // Drivers compare ordered, so NaN != NaN must be spelled out.
  ne: (a, t) => (isF(t[0]!) ? `(${a[0]} != ${a[1]} || nl_isnan(${a[0]}) || nl_isnan(${a[1]}))` : `(${a[0]} != ${a[1]})`),
  lt: (a) => `(${a[0]} < ${a[1]})`,
  le: (a) => `(${a[0]} <= ${a[1]})`,
  gt: (a) => `(${a[0]} > ${a[1]})`,
  ge: (a) => `(${a[0]} >= ${a[1]})`,
  and: (a) => `(${a[0]} && ${a[1]})`,
  or: (a) => `(${a[0]} || ${a[1]})`,
  not: (a) => `(!${a[0]})`,
  isnan: (a) => `nl_isnan(${a[0]})`,
  isinf: (a) => `nl_isinf(${a[0]})`,
  select: (a) => `select(${a[2]}, ${a[1]}, ${a[0]})`,
};

function literal(v: number, dtype: DType): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (dtype === 'int32') return `i32(${v | 0})`;
  if (Number.isNaN(v)) return 'nl_nan()';
  if (v === Infinity) return 'nl_inf()';
  if (v === -Infinity) return '(-nl_inf())';
  if (Object.is(v, -0)) return 'f32(-0.0)';
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return f > 0 ? 'nl_inf()' : '(-nl_inf())';
  let s = String(f);
  if (!/[.eE]/.test(s)) s += '.0';
  // WGSL f32 literals must be within range; tiny values written in full stay exact enough.
  return `f32(${s})`;
}

function castWgsl(a: string, from: DType, to: DType): string {
  if (to === 'bool') return from === 'bool' ? a : `(${a} != ${from === 'int32' ? '0i' : '0.0'})`;
  if (from === 'bool') return to === 'int32' ? `select(0i, 1i, ${a})` : `select(0.0, 1.0, ${a})`;
  return `${valueType(to)}(${a})`;
}

/**
 * WGSL statements computing each root into `result0`, `result1`... Inputs are `v0`, `v1`...;
 * `coord(axis)` gives an output coordinate, `scalarWord(i)` scalar i's meta word.
 */
export function exprToWgsl(roots: readonly Expr[], scalarWord: (i: number) => string, coord: (axis: number) => string): string {
  const emit = (e: Expr, operands: readonly string[]): string => {
    switch (e.k) {
      case 'in':
        return `v${e.i}`;
      case 'scalar':
        return e.dtype === 'bool' ? `(${scalarWord(e.i)} != 0u)` : `bitcast<${valueType(e.dtype)}>(${scalarWord(e.i)})`;
      case 'const':
        return literal(e.v, e.dtype);
      case 'idx':
        return `i32(${coord(e.axis)})`;
      case 'stat':
        return `stat${e.i}`;
      case 'cast':
        return castWgsl(operands[0]!, e.a.dtype, e.dtype);
      case 'call':
        return PRIMS[e.f]([...operands], e.args.map((a) => a.dtype));
    }
  };
  const { lines, results } = lowerToSsa(roots, emit, (name, e, code) => `let ${name}: ${valueType(e.dtype)} = ${code};`);
  results.forEach((r, j) => lines.push(`let result${j} = ${r};`));
  return lines.join('\n  ');
}
