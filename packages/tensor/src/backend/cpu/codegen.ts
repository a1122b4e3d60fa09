import type { DType } from '../../dtype.js';
import { isFloat } from '../../dtype.js';
import type { Expr, Prim } from '../../expr.js';
import { lowerToSsa, topoNodes } from '../../expr.js';

/** Writes an elementwise expression as a JavaScript loop over a strided output. */

type Emit = (a: string[], dtype: DType, argTypes: DType[]) => string;

const INT_ARITH: Partial<Record<Prim, (a: string[]) => string>> = {
  add: (a) => `((${a[0]} + ${a[1]}) | 0)`,
  sub: (a) => `((${a[0]} - ${a[1]}) | 0)`,
  mul: (a) => `Math.imul(${a[0]}, ${a[1]})`,
  neg: (a) => `((-${a[0]}) | 0)`,
  abs: (a) => `(Math.abs(${a[0]}) | 0)`,
};

const PRIMS: Record<Prim, Emit> = {
  add: (a) => `(${a[0]} + ${a[1]})`,
  sub: (a) => `(${a[0]} - ${a[1]})`,
  mul: (a) => `(${a[0]} * ${a[1]})`,
  div: (a) => `(${a[0]} / ${a[1]})`,
  neg: (a) => `(-${a[0]})`,
  exp: (a) => `Math.exp(${a[0]})`,
  log: (a) => `Math.log(${a[0]})`,
  sin: (a) => `Math.sin(${a[0]})`,
  cos: (a) => `Math.cos(${a[0]})`,
  sqrt: (a) => `Math.sqrt(${a[0]})`,
  tanh: (a) => `Math.tanh(${a[0]})`,
  erf: (a) => `H.erf(${a[0]})`,
  log1p: (a) => `Math.log1p(${a[0]})`,
  expm1: (a) => `Math.expm1(${a[0]})`,
  floor: (a) => `Math.floor(${a[0]})`,
  ceil: (a) => `Math.ceil(${a[0]})`,
  rint: (a) => `H.rint(${a[0]})`,
  abs: (a) => `Math.abs(${a[0]})`,
  // PyTorch: sign(NaN) = 0.
  sign: (a) => `(${a[0]} > 0 ? 1 : ${a[0]} < 0 ? -1 : 0)`,
  pow: (a) => `H.pow(${a[0]}, ${a[1]})`,
  max: (a) => `Math.max(${a[0]}, ${a[1]})`,
  min: (a) => `Math.min(${a[0]}, ${a[1]})`,
  eq: (a) => `(${a[0]} === ${a[1]})`,
  ne: (a) => `(${a[0]} !== ${a[1]})`,
  lt: (a) => `(${a[0]} < ${a[1]})`,
  le: (a) => `(${a[0]} <= ${a[1]})`,
  gt: (a) => `(${a[0]} > ${a[1]})`,
  ge: (a) => `(${a[0]} >= ${a[1]})`,
  and: (a) => `(${a[0]} && ${a[1]})`,
  or: (a) => `(${a[0]} || ${a[1]})`,
  not: (a) => `(!${a[0]})`,
  isnan: (a) => `(${a[0]} !== ${a[0]})`,
  isinf: (a) => `(${a[0]} === Infinity || ${a[0]} === -Infinity)`,
  select: (a) => `(${a[0]} ? ${a[1]} : ${a[2]})`,
};

function literal(v: number, dtype: DType): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  if (dtype === 'float32') return String(Math.fround(v));
  return String(v);
}

function castJs(a: string, from: DType, to: DType): string {
  if (to === 'bool') return from === 'bool' ? a : `(${a} !== 0)`;
  if (from === 'bool') return `(${a} ? 1 : 0)`;
  if (to === 'int32') return isFloat(from) ? `H.toInt32(${a})` : a;
  if (to === 'float32') return `Math.fround(${a})`;
  return a;
}

function nodeJs(e: Expr, operands: readonly string[]): string {
  switch (e.k) {
    case 'in':
      return `v${e.i}`;
    case 'scalar':
      return e.dtype === 'bool' ? `(sc[${e.i}] !== 0)` : `sc[${e.i}]`;
    case 'const':
      return literal(e.v, e.dtype);
    case 'idx':
      return `c[${e.axis}]`;
    case 'stat':
      return `st[${e.i}]`;
    case 'cast':
      return castJs(operands[0]!, e.a.dtype, e.dtype);
    case 'call': {
      const intForm = e.dtype === 'int32' ? INT_ARITH[e.f] : undefined;
      return intForm ? intForm([...operands]) : PRIMS[e.f]([...operands], e.dtype, e.args.map((a) => a.dtype));
    }
  }
}

/** Body statements computing each expression into `result0`, `result1`... Inputs are `v0`, `v1`...; coordinates `c[axis]`. */
export function exprToJs(roots: readonly Expr[]): string {
  const { lines, results } = lowerToSsa(roots, nodeJs, (name, _e, code) => `const ${name} = ${code};`);
  results.forEach((r, j) => lines.push(`const result${j} = ${r};`));
  return lines.join('\n');
}

/** Which inputs an expression reads. */
export function inputsUsed(roots: readonly Expr[]): Set<number> {
  const s = new Set<number>();
  for (const e of topoNodes(roots)) if (e.k === 'in') s.add(e.i);
  return s;
}
