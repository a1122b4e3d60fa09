import type { DType } from '../dtype.js';
import { isFloat } from '../dtype.js';
import { NonlinearError, ShapeError } from '../errors.js';
import { keep, tidy } from '../memory.js';
import { full, onesLike } from '../ops/creation.js';
import { Tensor } from '../tensor.js';

/**
 * Reverse-mode autograd on a tape. Each differentiable op calls `record` with its inputs,
 * outputs and a backward function written with public ops, so backward passes can themselves
 * be recorded (createGraph) and differentiated again.
 *
 * Lifetime: a node holds its own handles on its inputs (and, when asked, its outputs), so
 * tidy() may dispose the user's intermediates while the graph lives. A node is kept alive by
 * the tensors it produced and by the nodes downstream of it; backward() frees the saved
 * handles unless retainGraph is set, and disposing the last tensor of a graph frees it too.
 */

let gradEnabled = true;

/** False inside {@link noGrad}: ops then record no graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording: no graph, no saved tensors (inference, optimizer steps). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs fn with recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Gradients of the outputs in, gradients of the inputs out (null where an input gets none). */
export type BackwardFn = (grads: readonly Tensor[], inputs: readonly Tensor[], outputs: readonly Tensor[]) => readonly (Tensor | null)[];

/** The identity of a leaf for gradient bookkeeping, shared by every handle on it. */
export interface LeafKey {
  readonly leaf: Tensor;
}

export class GraphFreedError extends NonlinearError {}

let nextNode = 0;

export class Node {
  readonly id = nextNode++;
  refs = 0;
  freed = false;
  outputs: Tensor[] = [];
  constructor(
    readonly name: string,
    readonly inputs: Tensor[],
    readonly backward: BackwardFn,
    readonly outputMeta: { shape: readonly number[]; dtype: DType }[],
  ) {}

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) this.free();
  }

  /** Drops the saved handles (and with them the references to upstream nodes). */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const t of this.inputs) t.dispose();
    for (const t of this.outputs) t.dispose();
  }
}

/** A handle on the same storage and autograd identity, outside every tidy scope. */
function saveHandle(t: Tensor, weak: boolean): Tensor {
  const h = new Tensor(t.storage, t.shape, t.strides, t.offset);
  keep(h);
  h.adoptAutograd(t, weak);
  return h;
}

/**
 * Connects outputs to inputs in the graph. A no-op when recording is off or no input needs a
 * gradient. Only float outputs can carry gradients.
 */
export function record(name: string, inputs: readonly Tensor[], outputs: readonly Tensor[], backward: BackwardFn, saveOutputs = false): void {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return;
  const node = new Node(name, inputs.map((t) => saveHandle(t, false)), backward, outputs.map((o) => ({ shape: o.shape, dtype: o.dtype })));
  outputs.forEach((o, i) => {
    if (isFloat(o.dtype)) o.attachGradFn(node, i);
  });
  if (saveOutputs) node.outputs = outputs.map((o) => saveHandle(o, true));
  if (node.refs === 0) node.free();
}

type Key = LeafKey | string;

function keyOf(t: Tensor): Key | null {
  if (t.gradFn) return `${t.gradFn.id}:${t.outputIndex}`;
  return t.leafKey;
}

/** Sums a gradient computed at a broadcast shape back to the shape of the input it belongs to. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new ShapeError(`backward: gradient of shape [${g.shape.join(', ')}] cannot belong to an input of shape [${shape.join(', ')}]`);
  const dims: number[] = [];
  g.shape.forEach((s, i) => {
    if (i < lead || (shape[i - lead] === 1 && s !== 1)) dims.push(i);
  });
  return g.sum(dims, true).reshape(shape as number[]);
}

/**
 * Options of `Tensor.backward` and {@link gradients} (PyTorch's `retain_graph`, `create_graph`,
 * `allow_unused`).
 */
export interface GradientOptions {
  /** Keep the graph's saved tensors so backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order derivatives (implies retainGraph). */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of raising. */
  allowUnused?: boolean;
}

/**
 * The gradients of sum_k <outputs[k], gradOutputs[k]> with respect to `inputs` (leaves or
 * intermediate tensors), like torch.autograd.grad. A scalar output needs no gradOutput.
 */
export function gradients(outputs: readonly Tensor[], inputs: readonly Tensor[], gradOutputs: readonly (Tensor | null | undefined)[] = [], options: GradientOptions = {}): (Tensor | null)[] {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const targets = new Map<Key, number[]>();
  inputs.forEach((t, i) => {
    t.assertLive('grad');
    const k = keyOf(t);
    if (!k || !t.requiresGrad) throw new NonlinearError(`grad: input ${i} (shape [${t.shape.join(', ')}]) does not require grad`);
    targets.set(k, [...(targets.get(k) ?? []), i]);
  });

  // Nodes that lead to a target, in reverse topological order.
  const order: Node[] = [];
  const leads = new Map<Node, boolean>();
  const visit = (node: Node): boolean => {
    const memo = leads.get(node);
    if (memo !== undefined) return memo;
    leads.set(node, false);
    if (node.freed) {
      throw new GraphFreedError(`backward: the graph through '${node.name}' was already freed by a backward pass; pass retainGraph: true to run backward twice`);
    }
    let hit = false;
    for (const t of node.inputs) {
      if (!t.requiresGrad) continue;
      const k = keyOf(t);
      if (k && targets.has(k)) hit = true;
      if (t.gradFn && visit(t.gradFn)) hit = true;
    }
    leads.set(node, hit);
    if (hit) order.push(node);
    return hit;
  };
  for (const o of outputs) {
    o.assertLive('backward');
    if (o.gradFn) visit(o.gradFn);
  }
  order.reverse();

  const grads = new Map<Key, Tensor>();
  const accumulate = (k: Key, g: Tensor): void => {
    const prev = grads.get(k);
    grads.set(k, prev ? prev.add(g) : g);
  };
  const run = (): (Tensor | null)[] => {
    outputs.forEach((o, i) => {
      const k = keyOf(o);
      if (!k || !o.requiresGrad) throw new NonlinearError(`backward: output ${i} does not require grad (no input of its graph has requiresGrad)`);
      let g = gradOutputs[i] ?? null;
      if (!g) {
        if (o.size !== 1) throw new ShapeError(`backward: gradient can be implied only for one-element outputs; output ${i} has shape [${o.shape.join(', ')}]`);
        g = onesLike(o);
      } else if (g.shape.join() !== o.shape.join()) {
        throw new ShapeError(`backward: gradOutput ${i} has shape [${g.shape.join(', ')}] but the output has [${o.shape.join(', ')}]`);
      }
      accumulate(k, g);
    });
    for (const node of order) {
      const gOut = node.outputMeta.map((m, i) => grads.get(`${node.id}:${i}`) ?? null);
      if (gOut.every((g) => g === null)) continue;
      const filled = gOut.map((g, i) => g ?? zerosFor(node, i));
      const gIn = node.backward(filled, node.inputs, node.outputs);
      node.inputs.forEach((t, i) => {
        const g = gIn[i];
        if (!g || !t.requiresGrad) return;
        const k = keyOf(t)!;
        let gi = sumToShape(g, t.shape);
        if (gi.dtype !== t.dtype) gi = gi.astype(t.dtype);
        accumulate(k, gi);
      });
    }
    return inputs.map((t, i) => {
      const g = grads.get(keyOf(t)!) ?? null;
      if (!g && !options.allowUnused) {
        throw new NonlinearError(`grad: input ${i} was not used to compute the outputs (pass allowUnused: true to get null)`);
      }
      return g;
    });
  };
  try {
    return withGrad(createGraph, () => tidy(run));
  } finally {
    if (!retainGraph) for (const node of order) node.free();
  }
}

function zerosFor(node: Node, i: number): Tensor {
  const ref = node.inputs.find((t) => t.requiresGrad) ?? node.inputs[0]!;
  return full(node.outputMeta[i]!.shape, 0, { dtype: node.outputMeta[i]!.dtype, device: ref.backend });
}

function withGrad<T>(on: boolean, fn: () => T): T {
  return on ? enableGrad(fn) : noGrad(fn);
}

/** Accumulates d(root)/d(leaf) into `.grad` of every leaf of root's graph (Tensor.backward). */
export function backward(root: Tensor, gradient: Tensor | undefined, options: GradientOptions = {}): void {
  const leaves: Tensor[] = [];
  const seen = new Set<unknown>();
  const walk = (t: Tensor): void => {
    if (!t.requiresGrad) return;
    if (!t.gradFn) {
      const k = t.leafKey;
      if (k && !seen.has(k) && !k.leaf.isDisposed) {
        seen.add(k);
        leaves.push(k.leaf);
      }
      return;
    }
    if (seen.has(t.gradFn)) return;
    seen.add(t.gradFn);
    if (t.gradFn.freed) {
      throw new GraphFreedError(`backward: the graph through '${t.gradFn.name}' was already freed by a backward pass; pass retainGraph: true to run backward twice`);
    }
    t.gradFn.inputs.forEach(walk);
  };
  walk(root);
  if (leaves.length === 0) {
    if (root.gradFn?.freed) return;
    throw new NonlinearError('backward: the tensor does not require grad (no leaf of its graph has requiresGrad)');
  }
  const gs = gradients([root], leaves, [gradient], { ...options, allowUnused: true });
  leaves.forEach((leaf, i) => {
    const g = gs[i];
    if (!g) return;
    const prev = leaf.grad;
    if (prev) {
      leaf.grad = withGrad(options.createGraph ?? false, () => prev.add(g));
      prev.dispose();
      g.dispose();
    } else {
      leaf.grad = g;
    }
    keep(leaf.grad);
  });
}
