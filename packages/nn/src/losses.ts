import { AxisError, DeviceMismatchError, DTypeError, IndexError, ShapeError, Tensor, ValueError, gather, isFloat, softplus, sub, tidy, where } from '@nonlinear/tensor';

/**
 * Loss functions after torch.nn.functional: same layouts, same defaults, same reductions.
 * Each returns a new tensor (0-d for 'mean' and 'sum') and disposes its intermediates.
 */

export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  return reduction;
}

function checkTensor(op: string, what: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.assertLive(op);
}

function checkFloat(op: string, what: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: ${what} must be float32 or float64, got ${x.dtype}`);
}

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** The class dim normalised, checked against the input's rank. */
function classAxis(op: string, input: Tensor, classDim: number | undefined): number {
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class dimension, got a 0-d tensor`);
  const d = classDim ?? (input.ndim === 1 ? 0 : 1);
  if (!Number.isInteger(d) || d < -input.ndim || d >= input.ndim) {
    throw new AxisError(`${op}: classDim ${d} is out of range for input of shape ${fmt(input.shape)}`);
  }
  return d < 0 ? d + input.ndim : d;
}

/** A view of x with dim d moved last. */
function moveLast(x: Tensor, d: number): Tensor {
  if (d === x.ndim - 1) return x;
  const order = x.shape.map((_, i) => i).filter((i) => i !== d);
  order.push(d);
  return x.permute(order);
}

/** Class-index targets: int32, shaped like the input without its class dim, in range (checked at once on cpu). */
function checkIndexTarget(op: string, input: Tensor, target: Tensor, d: number, ignoreIndex: number): void {
  if (target.dtype !== 'int32') throw new DTypeError(`${op}: class-index targets must be int32, got ${target.dtype}`);
  const want = input.shape.filter((_, i) => i !== d);
  if (want.join() !== target.shape.join()) {
    const classesLast = input.ndim >= 3 && d === 1 && target.shape.join() === input.shape.slice(0, -1).join();
    const hint = classesLast ? '; for [B, T, V] logits with [B, T] targets use sequenceCrossEntropy or classDim: -1' : '';
    throw new ShapeError(`${op}: target of shape ${fmt(target.shape)} does not match input ${fmt(input.shape)} without its class dim ${d} (expected ${fmt(want)})${hint}`);
  }
  if (target.device !== input.device) {
    throw new DeviceMismatchError(`${op}: target is on ${target.device} but input is on ${input.device}`);
  }
  // The gather below raises too, but only on cpu at once and naming gather; say which target and why.
  if (target.backend.readSync) {
    const C = input.shape[d]!;
    const data = target.dataSync();
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v !== ignoreIndex && (v < 0 || v >= C)) {
        throw new IndexError(`${op}: target ${v} at flat position ${i} is not a class in [0, ${C}) nor ignoreIndex ${ignoreIndex}`);
      }
    }
  }
}

/** -logp[target] per element, 0 where the target is ignoreIndex; and the mask of counted elements. */
function pickNegLogProb(logp: Tensor, target: Tensor, ignoreIndex: number): { per: Tensor; valid: Tensor } {
  const valid = target.ne(ignoreIndex);
  const safe = where(valid, target, 0);
  const picked = gather(logp, -1, safe.unsqueeze(-1)).squeeze(-1);
  return { per: where(valid, picked.neg(), 0), valid };
}

/** 'mean' divides by the number of counted (non-ignored) elements, as PyTorch does without class weights. */
function reduce(per: Tensor, valid: Tensor | null, reduction: Reduction): Tensor {
  if (reduction === 'none') return per;
  if (reduction === 'sum') return per.sum();
  return valid ? per.sum().div(valid.sum()) : per.mean();
}

/** Options of {@link crossEntropy} (PyTorch's `F.cross_entropy` arguments). */
export interface CrossEntropyOptions {
  /** 'mean' (default) over counted elements, 'sum', or 'none' (shaped like the target). */
  reduction?: Reduction;
  /** Targets equal to this are skipped (default -100, as in PyTorch). */
  ignoreIndex?: number;
  /** Mixes the target with the uniform distribution: (1 - s) onehot + s / C (default 0). */
  labelSmoothing?: number;
  /** Where the classes are: 1 by default (0 for a 1-D input), as in PyTorch; -1 for [..., C] logits. */
  classDim?: number;
}

/**
 * Cross entropy of logits against class indices (int32) or class probabilities (a float
 * tensor shaped like the input), as F.cross_entropy: input [N, C] with target [N], [N, C, d1...]
 * with [N, d1...], or [C] with []; `classDim: -1` (or sequenceCrossEntropy) takes [..., C].
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  return crossEntropyAs('crossEntropy', input, target, options);
}

/** Cross entropy for language models: logits [B, T, V] (classes last) with int32 targets [B, T]. */
export function sequenceCrossEntropy(logits: Tensor, targets: Tensor, options: Omit<CrossEntropyOptions, 'classDim'> = {}): Tensor {
  checkTensor('sequenceCrossEntropy', 'logits', logits);
  if (logits.ndim < 2) throw new ShapeError(`sequenceCrossEntropy: logits must be [..., V] with at least 2 dims, got ${fmt(logits.shape)}`);
  return crossEntropyAs('sequenceCrossEntropy', logits, targets, { ...options, classDim: -1 });
}

function crossEntropyAs(op: string, input: Tensor, target: Tensor, options: CrossEntropyOptions): Tensor {
  checkTensor(op, 'input', input);
  checkTensor(op, 'target', target);
  checkFloat(op, 'input', input);
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new ValueError(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  const d = classAxis(op, input, options.classDim);
  const C = input.shape[d]!;
  if (isFloat(target.dtype)) {
    if (target.shape.join() !== input.shape.join()) {
      throw new ShapeError(`${op}: probability targets must have the input's shape ${fmt(input.shape)}, got ${fmt(target.shape)}`);
    }
    return tidy(() => {
      const logp = moveLast(input, d).logSoftmax(-1);
      let probs = moveLast(target, d);
      if (smoothing > 0) probs = probs.mul(1 - smoothing).add(smoothing / C);
      return reduce(probs.mul(logp).sum(-1).neg(), null, reduction);
    });
  }
  checkIndexTarget(op, input, target, d, ignoreIndex);
  return tidy(() => {
    const logp = moveLast(input, d).logSoftmax(-1);
    const { per, valid } = pickNegLogProb(logp, target, ignoreIndex);
    if (smoothing === 0) return reduce(per, valid, reduction);
    // PyTorch: (1 - s) * nll + s / C * sum_c(-logp_c), both over the non-ignored elements.
    const uniform = where(valid, logp.sum(-1).neg(), 0);
    return reduce(per.mul(1 - smoothing).add(uniform.mul(smoothing / C)), valid, reduction);
  });
}

/** Options of {@link nll}. */
export interface NllOptions {
  /** 'mean' (default) over counted elements, 'sum', or 'none'. */
  reduction?: Reduction;
  /** Targets equal to this are skipped (default -100). */
  ignoreIndex?: number;
  /** Where the classes are: 1 by default (0 for a 1-D input); -1 for [..., C]. */
  classDim?: number;
}

/** Negative log likelihood of log-probabilities against int32 class indices (F.nll_loss layouts). */
export function nll(logProbs: Tensor, target: Tensor, options: NllOptions = {}): Tensor {
  const op = 'nll';
  checkTensor(op, 'logProbs', logProbs);
  checkTensor(op, 'target', target);
  checkFloat(op, 'logProbs', logProbs);
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const d = classAxis(op, logProbs, options.classDim);
  checkIndexTarget(op, logProbs, target, d, ignoreIndex);
  return tidy(() => {
    const { per, valid } = pickNegLogProb(moveLast(logProbs, d), target, ignoreIndex);
    return reduce(per, valid, reduction);
  });
}

function checkSameShape(op: string, a: Tensor, b: Tensor, names: [string, string]): void {
  if (a.shape.join() !== b.shape.join()) {
    throw new ShapeError(`${op}: ${names[0]} ${fmt(a.shape)} and ${names[1]} ${fmt(b.shape)} must have the same shape`);
  }
}

/** Options of {@link mse}. */
export interface MseOptions {
  /** 'mean' (default), 'sum', or 'none' (the elementwise squared errors). */
  reduction?: Reduction;
}

/** Mean squared error (F.mse_loss); input and target must have the same shape. */
export function mse(input: Tensor, target: Tensor, options: MseOptions = {}): Tensor {
  const op = 'mse';
  checkTensor(op, 'input', input);
  checkTensor(op, 'target', target);
  checkFloat(op, 'input', input);
  checkFloat(op, 'target', target);
  checkSameShape(op, input, target, ['input', 'target']);
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  return tidy(() => reduce(input.sub(target).square(), null, reduction));
}

/** Options of {@link bceWithLogits}. */
export interface BceWithLogitsOptions {
  /** 'mean' (default), 'sum', or 'none'. */
  reduction?: Reduction;
  /** Weight of the positive term, broadcast over the classes (last dim), as PyTorch's pos_weight. */
  posWeight?: Tensor | number;
  /** A rescaling weight broadcast against the loss. */
  weight?: Tensor;
}

/**
 * Binary cross entropy on logits (F.binary_cross_entropy_with_logits), stable for any logit:
 * (1 - y) x + (1 + (pw - 1) y) softplus(-x), with softplus's linear tail for large |x| and a
 * smooth gradient everywhere (no kink at 0, unlike forms with |x|).
 */
export function bceWithLogits(logits: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const op = 'bceWithLogits';
  checkTensor(op, 'logits', logits);
  checkTensor(op, 'target', target);
  checkFloat(op, 'logits', logits);
  checkFloat(op, 'target', target);
  checkSameShape(op, logits, target, ['logits', 'target']);
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const { posWeight, weight } = options;
  if (posWeight instanceof Tensor) checkTensor(op, 'posWeight', posWeight);
  if (weight !== undefined) checkTensor(op, 'weight', weight);
  return tidy(() => {
    const sp = softplus(logits.neg());
    const pos = posWeight === undefined ? sp : target.mul(sub(posWeight, 1)).add(1).mul(sp);
    let loss = sub(1, target).mul(logits).add(pos);
    if (weight) loss = loss.mul(weight);
    return reduce(loss, null, reduction);
  });
}
