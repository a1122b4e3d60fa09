import type { Tensor } from '@nonlinear/tensor';

/**
 * Parameters are plain tensors (leaves with requiresGrad) registered on a module; there is no
 * Parameter subclass, because every op returns a plain Tensor and a subclass would be lost on
 * the first view. What a subclass would carry lives here instead, keyed by the tensor handle.
 *
 * noDecay: optimizers with decoupled weight decay (AdamW) should skip tensors for which
 * `isNoDecay(t)` is true. The built-in layers tag biases and the gains of LayerNorm/RMSNorm
 * (GPT-2 / nanoGPT convention: decay matrices and embeddings, not biases and norm gains).
 */

const noDecay = new WeakSet<Tensor>();

/** Options of `Module.registerParameter`. */
export interface ParameterOptions {
  /** Exclude this parameter from weight decay (see isNoDecay). */
  noDecay?: boolean;
}

/** Tags (or untags) a parameter as excluded from weight decay; returns it. */
export function setNoDecay<T extends Tensor>(t: T, flag = true): T {
  if (flag) noDecay.add(t);
  else noDecay.delete(t);
  return t;
}

/** Whether an optimizer should leave this parameter out of weight decay. */
export function isNoDecay(t: Tensor): boolean {
  return noDecay.has(t);
}
