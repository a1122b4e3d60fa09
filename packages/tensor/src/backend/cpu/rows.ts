import type { DType } from '../../dtype.js';
import { topoNodes, type Expr } from '../../expr.js';
import type { RowsKernel, View } from '../kernel.js';
import type { CpuBuffer } from './cpu-backend.js';
import { exprToJs } from './codegen.js';
import * as H from './math.js';

type RowsFn = (outs: readonly View<CpuBuffer>[], ins: readonly View<CpuBuffer>[], sc: readonly number[]) => void;
const compiled = new Map<string, RowsFn>();

/** Runs a row program: for each row, the statistics in order (float64 accumulation), then the outputs. */
export function runRows(kernel: RowsKernel, ins: readonly View<CpuBuffer>[], outs: readonly View<CpuBuffer>[], sc: readonly number[]): void {
  const key = JSON.stringify([kernel, ins.map((v) => v.dtype), outs.map((o) => o.dtype), outs[0]!.shape.length]);
  let fn = compiled.get(key);
  if (!fn) {
    fn = compileRows(kernel, ins.map((v) => v.dtype), outs.map((o) => o.dtype), outs[0]!.shape.length);
    compiled.set(key, fn);
  }
  fn(outs, ins, sc);
}

function loads(exprs: readonly Expr[], inTypes: readonly DType[]): string {
  const used = new Set<number>();
  for (const e of topoNodes(exprs)) if (e.k === 'in') used.add(e.i);
  return [...used].map((i) => (inTypes[i] === 'bool' ? `const v${i} = b${i}[p${i} + j * s${i}] !== 0;` : `const v${i} = b${i}[p${i} + j * s${i}];`)).join('\n');
}

function compileRows(kernel: RowsKernel, inTypes: readonly DType[], outTypes: readonly DType[], nd: number): RowsFn {
  const views = [...outTypes.map((_, j) => `o${j}`), ...inTypes.map((_, i) => `${i}`)];
  const decl = views.map((v, k) => {
    const src = k < outTypes.length ? `outs[${k}]` : `ins[${k - outTypes.length}]`;
    const name = k < outTypes.length ? `o${k}` : `${k - outTypes.length}`;
    return `const b${name} = ${src}.buffer.data, t${name} = ${src}.strides, s${name} = t${name}[${nd - 1}]; let p${name} = ${src}.offset;`;
  });
  const stats = kernel.stats.map((s, k) => {
    const combine = s.op === 'sum' ? `acc += result0;` : `if (result0 > acc || result0 !== result0) acc = result0;`;
    return `{
  let acc = ${s.op === 'sum' ? '0' : '-Infinity'};
  for (let j = 0; j < L; j++) {
    ${loads([s.expr], inTypes)}
    ${exprToJs([s.expr])}
    ${combine}
    if (acc !== acc) break;
  }
  st[${k}] = acc;
}`;
  });
  const stores = outTypes.map((t, j) => (t === 'bool' ? `bo${j}[po${j} + j * so${j}] = result${j} ? 1 : 0;` : `bo${j}[po${j} + j * so${j}] = result${j};`));
  const step = views.map((v) => `p${v} += t${v}[d];`).join(' ');
  const unstep = views.map((v) => `p${v} -= t${v}[d] * shape[d];`).join(' ');
  const src = `
const shape = outs[0].shape;
const L = shape[${nd - 1}];
let rows = 1; for (let d = 0; d < ${nd - 1}; d++) rows *= shape[d];
if (rows === 0 || L === 0) return;
${decl.join('\n')}
const st = new Float64Array(${kernel.stats.length});
const c = new Array(${Math.max(nd - 1, 0)}).fill(0);
for (let r = 0; r < rows; r++) {
  ${stats.join('\n  ')}
  for (let j = 0; j < L; j++) {
    ${loads(kernel.exprs, inTypes)}
    ${exprToJs(kernel.exprs)}
    ${stores.join('\n    ')}
  }
  for (let d = ${nd - 2}; d >= 0; d--) {
    c[d]++; ${step}
    if (c[d] < shape[d]) break;
    ${unstep}
    c[d] = 0;
  }
}`;
  const f = new Function('outs', 'ins', 'sc', 'H', src) as (o: unknown, i: unknown, s: unknown, h: unknown) => void;
  return (outs, ins, sc) => f(outs, ins, sc, H);
}
