import { enableGrad, gradients, isGradEnabled, record } from '../autograd/tape.js';
import type { DType } from '../dtype.js';
import { NonlinearError } from '../errors.js';
import { cast as castE, input, scalar, type Expr } from '../expr.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, empty, runKernel, viewOf } from './core.js';
import * as ew from './elementwise.js';

/**
 * Elementwise fusion: `fuse(fn)` runs a chain of elementwise ops as ONE generated kernel.
 * `fn` is traced once per call on symbolic values (Sym) that have the elementwise methods of
 * Tensor; every public elementwise op, given a Sym, extends an expression instead of
 * dispatching. Gradients recompute `fn` on real tensors and differentiate that, so a fused
 * region is as differentiable (to any order) as the unfused chain.
 */

interface Trace {
  scalars: number[];
}
let trace: Trace | null = null;

/** A symbolic elementwise value inside fuse(). */
export class Sym {
  constructor(
    /** The expression computing this value from the fused function's inputs. */
    readonly expr: Expr,
    /** The broadcast shape this value will have. */
    readonly shape: readonly number[],
  ) {}
  /** The dtype the expression computes in. */
  get dtype(): DType {
    return this.expr.dtype;
  }
  private static of(t: Tensor): Sym {
    return t as unknown as Sym;
  }
  private get t(): Tensor {
    return this as unknown as Tensor;
  }
  /** Traced {@link ew.add | add}. */
  add(o: Sym | number): Sym { return Sym.of(ew.add(this.t, o as never)); }
  /** Traced {@link ew.sub | sub}. */
  sub(o: Sym | number): Sym { return Sym.of(ew.sub(this.t, o as never)); }
  /** Traced {@link ew.mul | mul}. */
  mul(o: Sym | number): Sym { return Sym.of(ew.mul(this.t, o as never)); }
  /** Traced {@link ew.div | div}. */
  div(o: Sym | number): Sym { return Sym.of(ew.div(this.t, o as never)); }
  /** Traced {@link ew.pow | pow}. */
  pow(o: Sym | number): Sym { return Sym.of(ew.pow(this.t, o as never)); }
  /** Traced {@link ew.maximum | maximum}. */
  maximum(o: Sym | number): Sym { return Sym.of(ew.maximum(this.t, o as never)); }
  /** Traced {@link ew.minimum | minimum}. */
  minimum(o: Sym | number): Sym { return Sym.of(ew.minimum(this.t, o as never)); }
  /** Traced {@link ew.neg | neg}. */
  neg(): Sym { return Sym.of(ew.neg(this.t)); }
  /** Traced {@link ew.abs | abs}. */
  abs(): Sym { return Sym.of(ew.abs(this.t)); }
  /** Traced {@link ew.exp | exp}. */
  exp(): Sym { return Sym.of(ew.exp(this.t)); }
  /** Traced {@link ew.log | log}. */
  log(): Sym { return Sym.of(ew.log(this.t)); }
  /** Traced {@link ew.sqrt | sqrt}. */
  sqrt(): Sym { return Sym.of(ew.sqrt(this.t)); }
  /** Traced {@link ew.rsqrt | rsqrt}. */
  rsqrt(): Sym { return Sym.of(ew.rsqrt(this.t)); }
  /** Traced {@link ew.square | square}. */
  square(): Sym { return Sym.of(ew.square(this.t)); }
  /** Traced {@link ew.reciprocal | reciprocal}. */
  reciprocal(): Sym { return Sym.of(ew.reciprocal(this.t)); }
  /** Traced {@link ew.tanh | tanh}. */
  tanh(): Sym { return Sym.of(ew.tanh(this.t)); }
  /** Traced {@link ew.sigmoid | sigmoid}. */
  sigmoid(): Sym { return Sym.of(ew.sigmoid(this.t)); }
  /** Traced {@link ew.relu | relu}. */
  relu(): Sym { return Sym.of(ew.relu(this.t)); }
  /** Traced {@link ew.gelu | gelu}. */
  gelu(options?: ew.GeluOptions): Sym { return Sym.of(ew.gelu(this.t, options)); }
  /** Traced {@link ew.silu | silu}. */
  silu(): Sym { return Sym.of(ew.silu(this.t)); }
  /** Traced {@link ew.sin | sin}. */
  sin(): Sym { return Sym.of(ew.sin(this.t)); }
  /** Traced {@link ew.cos | cos}. */
  cos(): Sym { return Sym.of(ew.cos(this.t)); }
  /** Traced {@link ew.erf | erf}. */
  erf(): Sym { return Sym.of(ew.erf(this.t)); }
  /** Traced {@link ew.clamp | clamp}. */
  clamp(min?: number | null, max?: number | null): Sym { return Sym.of(ew.clamp(this.t, min, max)); }
}

/** map() for symbolic operands: extends the expression, records the scalars in the trace. */
export function symbolicMap(op: string, operands: readonly unknown[], common: DType, f: (...xs: Expr[]) => Expr, castTo: readonly (DType | null)[]): Sym {
  if (!trace) throw new NonlinearError(`${op}: symbolic values exist only while fuse() traces its function`);
  const t = trace;
  const shapes: (readonly number[])[] = [];
  const exprs = operands.map((o, i) => {
    const to = castTo[i] ?? common;
    if (o instanceof Sym) {
      shapes.push(o.shape);
      return castE(o.expr, to);
    }
    if (o instanceof Tensor) {
      throw new NonlinearError(`${op}: a fused function may only use its arguments and numbers; pass the tensor (shape [${o.shape.join(', ')}]) as an argument`);
    }
    t.scalars.push(Number(o));
    return scalar(t.scalars.length - 1, to);
  });
  return new Sym(f(...exprs), broadcastShapes(op, ...shapes));
}

/** The traced function given to {@link fuse}: symbolic inputs to one symbolic result or several. */
export type FusedFn = (...xs: Sym[]) => Sym | readonly Sym[];

/**
 * Compiles a chain of elementwise ops into one kernel: `fuse((x, y) => x.mul(y).add(1).tanh())`
 * returns a function of tensors. Arguments broadcast like the unfused ops; a function that
 * returns several values computes them in the same kernel and returns an array.
 */
export function fuse<F extends FusedFn>(fn: F): (...xs: Tensor[]) => ReturnType<F> extends Sym ? Tensor : Tensor[] {
  const run = (...xs: Tensor[]): Tensor | Tensor[] => {
    const backend = backendOf('fuse', xs);
    if (trace) throw new NonlinearError('fuse: fused functions cannot be nested');
    trace = { scalars: [] };
    let result: Sym | readonly Sym[];
    let scalars: number[];
    try {
      result = fn(...xs.map((x, i) => new Sym(input(i, x.dtype), x.shape)));
      scalars = trace.scalars;
    } finally {
      trace = null;
    }
    const list = Array.isArray(result) ? (result as readonly Sym[]) : [result as Sym];
    if (list.length === 0 || list.some((s) => !(s instanceof Sym))) throw new NonlinearError('fuse: the function must return the result of elementwise ops on its arguments');
    const shape = broadcastShapes('fuse', ...list.map((s) => s.shape), ...xs.map((x) => x.shape));
    const outs = list.map((s) => empty('fuse', backend, shape, s.dtype));
    runKernel(backend, { kind: 'elementwise', exprs: list.map((s) => s.expr) }, xs.map((x) => viewOf(x, shape)), outs.map((o) => viewOf(o)), scalars);
    record('fuse', xs, outs, (gs, ins) => {
      // Recompute the chain unfused and differentiate it.
      const wanted = ins.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
      const ys = enableGrad(() => [fn(...(ins as unknown as Sym[]))].flat() as unknown as Tensor[]);
      const g = gradients(ys, wanted.map((i) => ins[i]!), gs, { createGraph: isGradEnabled(), allowUnused: true });
      return ins.map((_, i) => (wanted.includes(i) ? g[wanted.indexOf(i)] ?? null : null));
    });
    return Array.isArray(result) ? outs : outs[0]!;
  };
  return run as never;
}
