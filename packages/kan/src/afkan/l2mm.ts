import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import { recomputeGrads } from '@nonlinear/activations';

const { call } = T.expr;

/**
 * Where AF-KAN's optional L2MM normalisation of the basis takes its statistics: `'none'` (off),
 * `'batch'` (the whole (B, D, n) tensor, as the reference code: each sample's features then
 * depend on the other samples of its batch, so a sample's output changes with its batch and
 * evaluation differs from training) or `'sample'` (each sample's (D, n) block on its own).
 */
export type L2MMMode = 'none' | 'batch' | 'sample';

/** The allowed {@link L2MMMode} values. */
export const L2MM_MODES: readonly L2MMMode[] = Object.freeze(['none', 'batch', 'sample'] as L2MMMode[]);

/** Guards the L2 norm and the min-max range of a constant block (the reference has no guard: 0/0). */
export const L2MM_EPS = 1e-12;

/** The statistics' extent as rows: one row for 'batch', one row per sample for 'sample'. */
function asRows(phi: Tensor, mode: 'batch' | 'sample'): Tensor {
  if (phi.ndim < 2) throw new ValueError(`l2mm: expected a basis of shape (..., D, n), got [${phi.shape.join(', ')}]`);
  if (mode === 'batch') return phi.reshape([1, phi.size]);
  return phi.reshape([...phi.shape.slice(0, -2), phi.shape[phi.ndim - 2]! * phi.shape[phi.ndim - 1]!]);
}

function checkMode(op: string, mode: unknown): 'batch' | 'sample' {
  if (mode !== 'batch' && mode !== 'sample') throw new ValueError(`${op}: mode must be 'batch' or 'sample', got ${JSON.stringify(mode)}`);
  return mode;
}

/**
 * L2MM of the basis phi (..., D, n): u = phi / max(||phi||_2, eps), then (u - min u) /
 * max(max u - min u, eps), statistics over the whole tensor ('batch') or per sample
 * ('sample'). The forward pass is ONE row-program kernel; the backward is the rows' max and min
 * (a reduction each) and ONE row program (ties of the min and max share their gradient, as in
 * PyTorch). Second derivatives differentiate {@link l2mmReference}.
 */
export function l2mm(phi: Tensor, mode: 'batch' | 'sample'): Tensor {
  const m = checkMode('l2mm', mode);
  return T.tidy(() => {
    const rows = asRows(phi, m);
    const [y] = T.rowProgram('l2mm', [rows, L2MM_EPS], 'float', (row, v, eps) => {
      const nrm = call('max', call('sqrt', row.sum(call('mul', v!, v!))), eps!);
      const hi = call('div', row.max(v!), nrm);
      const lo = call('div', call('neg', row.max(call('neg', v!))), nrm);
      return [call('div', call('sub', call('div', v!, nrm), lo), call('max', call('sub', hi, lo), eps!))];
    }, {
      grad: ([g], [r]) => [T.isGradEnabled() ? recomputeGrads(() => rowsReference(r!), [r!], g!)[0]! : rowsBackward(r!, g!), null],
    });
    return y!.reshape(phi.shape as number[]);
  });
}

/**
 * dL/dv of the row normalisation, with N = max(||v||, eps), R = max v - min v and
 * y = (v / N - min / N) / max(R / N, eps). Where R / N > eps, y = (v - min) / R exactly (N
 * cancels): dv = g / R + [v = min] (sum g y - sum g) / (R c_min) - [v = max] sum g y / (R c_max).
 * Otherwise y = (v - min) / (N eps): dv = g / (N eps) - [v = min] sum g / (N eps c_min)
 * - (sum g y / N) dN/dv, dN/dv = v / N while ||v|| > eps. c_min, c_max count the ties.
 */
function rowsBackward(rows: Tensor, g: Tensor): Tensor {
  return T.tidy(() => {
    const v = rows.detach();
    const [dx] = T.rowProgram('l2mmBackward', [v, g, v.max(-1, true), v.min(-1, true), L2MM_EPS], 'float', (row, x, gv, mx, mn, eps) => {
      const [mul, div, sub, add, sel] = [
        (a: T.expr.Expr, b: T.expr.Expr) => call('mul', a, b), (a: T.expr.Expr, b: T.expr.Expr) => call('div', a, b),
        (a: T.expr.Expr, b: T.expr.Expr) => call('sub', a, b), (a: T.expr.Expr, b: T.expr.Expr) => call('add', a, b),
        (c: T.expr.Expr, a: T.expr.Expr, b: T.expr.Expr) => call('select', c, a, b),
      ];
      const zero = T.expr.litLike(0, x!);
      const one = T.expr.litLike(1, x!);
      const isMin = call('eq', x!, mn!);
      const isMax = call('eq', x!, mx!);
      const norm = call('sqrt', row.sum(mul(x!, x!)));
      const n = call('max', norm, eps!);
      const sg = row.sum(gv!);
      const sgv = row.sum(mul(gv!, x!));
      const cMin = row.sum(sel(isMin, one, zero));
      const cMax = row.sum(sel(isMax, one, zero));
      const loN = div(mn!, n);
      const spread = sub(div(mx!, n), loN);
      const den = call('max', spread, eps!);
      // sum g y without y: (sum g v / N - min / N sum g) / den.
      const sgy = div(sub(div(sgv, n), mul(loN, sg)), den);
      const r = sub(mx!, mn!);
      const wide = add(add(div(gv!, r), sel(isMin, div(sub(sgy, sg), mul(r, cMin)), zero)), sel(isMax, call('neg', div(sgy, mul(r, cMax))), zero));
      const ne = mul(n, eps!);
      const dN = sel(call('gt', norm, eps!), div(x!, n), zero);
      const narrow = sub(sub(div(gv!, ne), sel(isMin, div(sg, mul(ne, cMin)), zero)), mul(div(sgy, n), dN));
      return [sel(call('gt', spread, eps!), wide, narrow)];
    });
    return dx!;
  });
}

/** The composition of the same normalisation over rows. */
function rowsReference(rows: Tensor): Tensor {
  return T.tidy(() => {
    const nrm = T.maximum(T.sqrt(rows.square().sum(-1, true)), L2MM_EPS);
    const u = T.div(rows, nrm);
    const hi = u.max(-1, true);
    const lo = u.min(-1, true);
    return T.div(T.sub(u, lo), T.maximum(T.sub(hi, lo), L2MM_EPS));
  });
}

/** {@link l2mm} composed from public ops (the reference; any order of derivatives). */
export function l2mmReference(phi: Tensor, mode: 'batch' | 'sample'): Tensor {
  const m = checkMode('l2mmReference', mode);
  return T.tidy(() => rowsReference(asRows(phi, m)).reshape(phi.shape as number[]));
}
