import { NonlinearError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { gradients, type GradientOptions } from './tape.js';

/**
 * Functional derivatives on top of the tape, in JAX's shape. Arguments that do not require
 * gradients are differentiated through a fresh leaf on the same storage; arguments that do
 * (including outputs of an outer grad) are used as they are, so derivatives nest:
 * grad(x => dot(grad(f)(x)[0], v)) is a Hessian-vector product.
 */

export interface FunctionalOptions {
  /** Record the derivative computation so it can be differentiated again. */
  createGraph?: boolean;
}

function asInputs(args: readonly Tensor[]): { inputs: Tensor[]; made: Tensor[] } {
  const made: Tensor[] = [];
  const inputs = args.map((a) => {
    if (!(a instanceof Tensor)) throw new NonlinearError('grad: every argument must be a Tensor');
    if (a.requiresGrad) return a;
    const leaf = a.detach();
    leaf.requiresGrad = true;
    made.push(leaf);
    return leaf;
  });
  return { inputs, made };
}

function scalarOutput(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor) || out.size !== 1) {
    throw new NonlinearError(`${op}: the function must return a one-element tensor, got ${out instanceof Tensor ? `shape [${out.shape.join(', ')}]` : typeof out}`);
  }
  return out;
}

/** f's value and its gradients with respect to every argument; f must return a one-element tensor. */
export function valueAndGrad(f: (...args: Tensor[]) => Tensor, options: FunctionalOptions = {}): (...args: Tensor[]) => {
  /** f's output (a one-element tensor). */
  value: Tensor;
  /** d value / d argument, one per argument, each of that argument's shape. */
  grads: Tensor[];
} {
  return (...args) => {
    const { inputs, made } = asInputs(args);
    try {
      const value = scalarOutput('grad', f(...inputs));
      const grads = gradients([value], inputs, [], { createGraph: options.createGraph, allowUnused: true }).map((g, i) => g ?? inputs[i]!.mul(0));
      return { value, grads };
    } finally {
      for (const m of made) m.dispose();
    }
  };
}

/** The gradients of a scalar function with respect to each argument. */
export function grad(f: (...args: Tensor[]) => Tensor, options: FunctionalOptions = {}): (...args: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f, options);
  return (...args) => {
    const { value, grads } = vg(...args);
    value.dispose();
    return grads;
  };
}

/**
 * f's output at `primals` and a function that pulls a cotangent back to the primals
 * (vector-Jacobian product). The graph is kept until `dispose()` is called on the result.
 */
export function vjp(
  f: (...args: Tensor[]) => Tensor,
  primals: readonly Tensor[],
  options: FunctionalOptions = {},
): {
  /** f(...primals). */
  output: Tensor;
  /** The gradient of <output, cotangent> with respect to each primal; callable repeatedly. */
  vjp: (cotangent: Tensor) => Tensor[];
  /** Releases the retained graph and the internal copies of the primals. */
  dispose: () => void;
} {
  const { inputs, made } = asInputs(primals);
  const output = f(...inputs);
  const opts: GradientOptions = { createGraph: options.createGraph, retainGraph: true, allowUnused: true };
  return {
    output,
    vjp: (cotangent) => gradients([output], inputs, [cotangent], opts).map((g, i) => g ?? inputs[i]!.mul(0)),
    dispose: () => {
      for (const m of made) m.dispose();
    },
  };
}
